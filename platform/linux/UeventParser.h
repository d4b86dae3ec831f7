#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::platform {

// One kernel uevent as the NETLINK_KOBJECT_UEVENT socket delivers it:
// "add@/devices/...\0ACTION=add\0DEVPATH=/devices/...\0SUBSYSTEM=usb\0...".
struct Uevent {
    std::string action;
    std::string devpath;
    std::string subsystem;
    std::string devtype;
    std::map<std::string, std::string> vars;

    // The last component of DEVPATH: the sysfs name ("2-1", "2-1:1.0", "sda").
    std::string name() const;
    std::string var(const std::string& key) const;
};

// Parses kernel uevents. Anything else (udev's "libudev" messages, truncated or garbled
// datagrams, a header that contradicts ACTION/DEVPATH) gives nullopt, never a crash.
class UeventParser {
public:
    static std::optional<Uevent> parse(std::string_view datagram);
};

}  // namespace mamori::platform
