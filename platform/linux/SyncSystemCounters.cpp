#include "SyncSystemCounters.h"

#include <cstring>

namespace mamori::platform {

std::optional<uint32_t> SyncSystemCounters::find(std::string_view body, uint32_t count, std::string_view name) {
    constexpr size_t kHeader = 4 + 8 + 2;  // counter, resolution, name length
    size_t at = 0;
    for (uint32_t i = 0; i < count; ++i) {
        if (body.size() - at < kHeader) return std::nullopt;
        uint32_t counter = 0;
        uint16_t length = 0;
        // The server's byte order is the client's: xcb asked for it in the connection setup.
        std::memcpy(&counter, body.data() + at, 4);
        std::memcpy(&length, body.data() + at + 12, 2);
        if (body.size() - at - kHeader < length) return std::nullopt;
        if (body.substr(at + kHeader, length) == name) return counter;
        const size_t entry = (kHeader + length + 3) & ~size_t{3};
        if (body.size() - at < entry) return std::nullopt;
        at += entry;
    }
    return std::nullopt;
}

}  // namespace mamori::platform
