#include "UeventParser.h"

namespace mamori::platform {

namespace {
// The kernel's own limit (UEVENT_BUFFER_SIZE); anything longer did not come from it.
constexpr size_t kMaxDatagram = 2048;
}

std::string Uevent::name() const {
    auto slash = devpath.rfind('/');
    return slash == std::string::npos ? devpath : devpath.substr(slash + 1);
}

std::string Uevent::var(const std::string& key) const {
    auto it = vars.find(key);
    return it == vars.end() ? std::string() : it->second;
}

std::optional<Uevent> UeventParser::parse(std::string_view d) {
    if (d.empty() || d.size() > kMaxDatagram) return std::nullopt;
    auto end = d.find('\0');
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view header = d.substr(0, end);
    auto at = header.find('@');
    // udev rebroadcasts start with "libudev"; only the kernel's "action@devpath" is accepted.
    if (at == std::string_view::npos || at == 0 || at + 1 >= header.size()) return std::nullopt;
    Uevent ev;
    for (size_t pos = end + 1; pos < d.size();) {
        auto next = d.find('\0', pos);
        if (next == std::string_view::npos) next = d.size();
        std::string_view field = d.substr(pos, next - pos);
        pos = next + 1;
        if (field.empty()) continue;
        auto eq = field.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        ev.vars.emplace(std::string(field.substr(0, eq)), std::string(field.substr(eq + 1)));
    }
    ev.action = ev.var("ACTION");
    ev.devpath = ev.var("DEVPATH");
    ev.subsystem = ev.var("SUBSYSTEM");
    ev.devtype = ev.var("DEVTYPE");
    if (ev.action.empty() || ev.devpath.empty() || ev.devpath.front() != '/') return std::nullopt;
    // The header repeats what the fields say; a mismatch means a forged or corrupted message.
    if (header.substr(0, at) != ev.action || header.substr(at + 1) != ev.devpath) return std::nullopt;
    if (ev.devpath.find("/../") != std::string::npos || ev.devpath.ends_with("/..")) return std::nullopt;
    return ev;
}

}  // namespace mamori::platform
