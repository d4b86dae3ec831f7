#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace mamori::platform {

// The body of a SYNC ListSystemCounters reply: `count` entries, each a CARD32 counter id, an
// INT64 resolution, a CARD16 name length and the name, padded to four bytes. Parsed here rather
// than by libxcb-sync, whose iterator (1.15) steps by a wrong entry size and misreads every
// name after the first (against Xvfb: "VICEIDLETIME 7", "LETIME"; IDLETIME never found). It comes from the X server, so nothing in it is trusted: a count or
// length that overruns the body ends the search, never a read past it.
class SyncSystemCounters {
public:
    static std::optional<uint32_t> find(std::string_view body, uint32_t count, std::string_view name);
};

}  // namespace mamori::platform
