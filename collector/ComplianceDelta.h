#pragma once
#include <cstdint>

namespace mamori::collector {

// The counts one ingested batch adds to one (date, control) row of the daily compliance table.
// A batch is typically one or two dates and a few controls, so summing here first turns 500
// events into a handful of upserts.
struct ComplianceDelta {
    int64_t events = 0;
    int64_t violations = 0;
    int64_t exempted = 0;
    int64_t first_violation_ns = 0;  // 0: none
    int64_t last_event_ns = 0;

    void add(int64_t utc_ns, bool violation, bool exempt) {
        ++events;
        if (violation) {
            ++violations;
            if (first_violation_ns == 0 || utc_ns < first_violation_ns) first_violation_ns = utc_ns;
        }
        if (exempt) ++exempted;
        if (utc_ns > last_event_ns) last_event_ns = utc_ns;
    }
};

}  // namespace mamori::collector
