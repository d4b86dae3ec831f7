#pragma once
#include <cstddef>

namespace mamori::platform {

// What a resident daemon holds after a burst of work but no longer uses, given back to the
// system: free malloc memory, and the page mappings of code and read-only data that the burst
// touched (the kernel maps a file's cached pages around each one touched, so start-up alone maps
// nearly all of every library). Those pages stay in the page cache; the ones needed again are
// mapped again on their next use, at the cost of a minor fault.
class ResidentMemory {
public:
    struct Released {
        size_t heap_kb = 0;    // resident kB that malloc gave back, from all its arenas
        size_t mapped_kb = 0;  // resident file pages whose mappings were dropped
    };
    static Released release();
    // Every thread allocates from the one main heap instead of an arena of its own. A daemon
    // that is seldom busy loses nothing by the shared lock, and each arena keeps pages of its own
    // (about 0.5 MB over the agent's threads). Call it before any thread starts.
    static void shareOneHeap();
};

}  // namespace mamori::platform
