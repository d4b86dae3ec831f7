#include "mamori/policy/UsbDeviceId.h"

#include <charconv>
#include <cstdio>

namespace mamori::policy {

namespace {

std::optional<uint16_t> hex4(std::string_view s) {
    if (s.size() != 4) return std::nullopt;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + 4, value, 16);
    if (ec != std::errc() || end != s.data() + 4) return std::nullopt;
    return static_cast<uint16_t>(value);
}

}  // namespace

std::optional<UsbDeviceId> UsbDeviceId::parse(std::string_view text) {
    const auto first = text.find(':');
    if (first == std::string_view::npos) return std::nullopt;
    const auto second = text.find(':', first + 1);
    const auto vendor = hex4(text.substr(0, first));
    const auto product = hex4(text.substr(first + 1, second == std::string_view::npos ? std::string_view::npos
                                                                                          : second - first - 1));
    if (!vendor || !product) return std::nullopt;
    UsbDeviceId id{*vendor, *product, {}};
    if (second != std::string_view::npos) {
        const std::string_view serial = text.substr(second + 1);
        if (serial.empty() || serial.size() > 126) return std::nullopt;
        for (unsigned char c : serial)
            if (c <= ' ' || c > '~' || c == ':') return std::nullopt;
        id.serial = serial;
    }
    return id;
}

std::string UsbDeviceId::str() const {
    char head[16];
    std::snprintf(head, sizeof head, "%04x:%04x", vendor, product);
    return serial.empty() ? std::string(head) : std::string(head) + ":" + serial;
}

}  // namespace mamori::policy
