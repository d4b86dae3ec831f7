#pragma once
#include <cstdint>

namespace mamori::collector {

// Which event times the collector believes at all. A terminal's clock can say anything; one
// before 2000 or more than a day past the event's arrival is impossible for a terminal that
// runs this software, so such an event is kept, flagged, and filed by its arrival.
struct EventTime {
    static constexpr int64_t kEarliestUnix = 946'684'800;  // 2000-01-01T00:00:00Z
    static constexpr int64_t kMaxAheadSeconds = 86'400;

    static bool plausible(int64_t utc_ns, int64_t arrival_unix) {
        const int64_t s = utc_ns / 1'000'000'000;  // no overflow for any int64
        return s >= kEarliestUnix && s <= arrival_unix + kMaxAheadSeconds;
    }
};

}  // namespace mamori::collector
