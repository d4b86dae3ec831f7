#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::policy {

// A USB device as an exception (例外措置) names it: "VID:PID:SERIAL", or "VID:PID" for a device
// that reports no serial number. VID and PID are 4 hexadecimal digits each, as lsusb shows them;
// the serial is what lsusb -v shows as iSerial. The one place this text is read: the profile
// loader, the collector's exception requests and the agent all parse it here, so an id typed
// "04BB:0C0A:..." matches the same stick everywhere.
class UsbDeviceId {
public:
    // The text as read, or why it is not an id (English and Japanese, for an administrator).
    struct Parsed;

    static Parsed parse(std::string_view text);

    std::uint16_t vendor() const { return vendor_; }
    std::uint16_t product() const { return product_; }
    // nullopt: the id names a device without a serial number (it never matches one that has one,
    // so one exception cannot let every stick of a model in).
    const std::optional<std::string>& serial() const { return serial_; }

    // The normal form: vendor and product in lowercase hex, the serial exactly as the device
    // reports it (serials are compared byte for byte, as the kernel shows them).
    std::string str() const;

    // Whether a device with these descriptors is the one named.
    bool matches(std::uint16_t vendor, std::uint16_t product, bool has_serial, std::string_view serial) const;

    friend bool operator==(const UsbDeviceId&, const UsbDeviceId&) = default;

private:
    std::uint16_t vendor_ = 0;
    std::uint16_t product_ = 0;
    std::optional<std::string> serial_;
};

struct UsbDeviceId::Parsed {
    std::optional<UsbDeviceId> id;
    std::string why;     // English
    std::string why_ja;  // 日本語
    explicit operator bool() const { return id.has_value(); }
};

}  // namespace mamori::policy
