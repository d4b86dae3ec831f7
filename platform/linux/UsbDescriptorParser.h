#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mamori::platform {

// What the raw descriptors of a device declare (sysfs "descriptors": the 18-byte device
// descriptor followed by every configuration with its interfaces and endpoints).
struct UsbDescriptors {
    struct Interface {
        uint8_t configuration = 0;  // bConfigurationValue of the configuration it belongs to
        uint8_t number = 0;
        uint8_t cls = 0;
        uint8_t subclass = 0;
        uint8_t protocol = 0;
    };
    uint16_t vendor_id = 0;
    uint16_t product_id = 0;
    uint8_t device_class = 0;
    uint8_t device_subclass = 0;
    uint8_t device_protocol = 0;
    uint8_t num_configurations = 0;
    std::vector<Interface> interfaces;  // alternate setting 0 of each interface, each once
};

// Parses descriptors a device chose to send, so nothing in them is trusted: lengths that
// overrun, zero-length descriptors, truncated configurations and absurd counts give nullopt
// (or stop at the last well-formed descriptor), never a read past the buffer.
class UsbDescriptorParser {
public:
    static std::optional<UsbDescriptors> parse(std::string_view bytes);
};

}  // namespace mamori::platform
