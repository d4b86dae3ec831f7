// Kernel uevents: whatever arrives on the netlink socket, the parser answers without a crash,
// and what it accepts is self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "platform/linux/UeventParser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto ev = mamori::platform::UeventParser::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    if (ev) {
        if (ev->action.empty() || ev->devpath.empty() || ev->devpath.front() != '/') std::abort();
        if (ev->name().find('/') != std::string::npos) std::abort();
    }
    return 0;
}
