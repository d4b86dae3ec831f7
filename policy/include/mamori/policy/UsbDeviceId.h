#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::policy {

// A USB device as administrators write it, VID:PID[:SERIAL] ("0781:5581:4C530001"), the way lsusb
// shows vendor and product. The vendor and product are compared as numbers and written in
// lowercase, the agent's spelling; the serial is kept exactly, as the device reports it.
struct UsbDeviceId {
    uint16_t vendor = 0, product = 0;
    std::string serial;  // empty: none given

    // Nothing unless VID and PID are four hex digits each; a serial, when given, is printable
    // ASCII without spaces or colons and at most 126 characters (USB string descriptors' limit).
    static std::optional<UsbDeviceId> parse(std::string_view text);
    // "0781:5581:4C530001", or "0781:5581" without a serial.
    std::string str() const;
};

}  // namespace mamori::policy
