#include "UsbDescriptorParser.h"

#include <algorithm>

namespace mamori::platform {

namespace {
constexpr uint8_t kDevice = 1, kConfiguration = 2, kInterface = 4;
// A device declares at most 255 configurations of 32 interfaces each (USB 2.0 9.6.3); far
// fewer in practice. The cap only bounds memory for hostile input.
constexpr size_t kMaxInterfaces = 256;

uint8_t u8(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }
uint16_t le16(std::string_view b, size_t i) { return static_cast<uint16_t>(u8(b, i) | (u8(b, i + 1) << 8)); }
}  // namespace

std::optional<UsbDescriptors> UsbDescriptorParser::parse(std::string_view b) {
    if (b.size() < 18 || u8(b, 0) != 18 || u8(b, 1) != kDevice) return std::nullopt;
    UsbDescriptors d;
    d.device_class = u8(b, 4);
    d.device_subclass = u8(b, 5);
    d.device_protocol = u8(b, 6);
    d.vendor_id = le16(b, 8);
    d.product_id = le16(b, 10);
    d.num_configurations = u8(b, 17);

    size_t pos = 18;
    uint8_t config_value = 0;
    size_t config_end = 18;  // where the current configuration's wTotalLength says it ends
    while (pos + 2 <= b.size()) {
        const uint8_t len = u8(b, pos);
        const uint8_t type = u8(b, pos + 1);
        // A zero or one-byte length would loop forever or read its own type past the end.
        if (len < 2 || pos + len > b.size()) break;
        if (type == kConfiguration) {
            if (len < 9) break;
            config_value = u8(b, pos + 5);
            config_end = pos + std::max<size_t>(le16(b, pos + 2), len);
        } else if (type == kInterface && len >= 9 && pos < config_end) {
            const uint8_t alt = u8(b, pos + 3);
            const uint8_t number = u8(b, pos + 2);
            bool seen = std::any_of(d.interfaces.begin(), d.interfaces.end(), [&](const auto& i) {
                return i.configuration == config_value && i.number == number;
            });
            if (alt == 0 && !seen) {
                if (d.interfaces.size() >= kMaxInterfaces) return std::nullopt;
                d.interfaces.push_back({config_value, number, u8(b, pos + 5), u8(b, pos + 6), u8(b, pos + 7)});
            }
        }
        pos += len;
    }
    return d;
}

}  // namespace mamori::platform
