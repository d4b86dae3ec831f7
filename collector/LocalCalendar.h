#pragma once
#include <cstdint>
#include <string>

namespace date {
class time_zone;
}

namespace mamori::collector {

// The municipality's calendar as the collector needs it: which local date an instant falls on.
// "Today" in every report is this zone's today (Asia/Tokyo by default), never the server's.
class LocalCalendar {
public:
    explicit LocalCalendar(const std::string& zone_name);  // throws std::runtime_error on an unknown zone
    std::string dateOfNs(int64_t utc_ns) const;             // YYYY-MM-DD
    std::string dateOfUnix(int64_t unix_seconds) const;
    // The first second of the local date `date` (YYYY-MM-DD) plus add_days days, in this zone.
    // Throws common::UserError (invalid) for anything but a valid date.
    int64_t startOfDateUnix(const std::string& date, int add_days = 0) const;
    const std::string& zoneName() const { return name_; }

private:
    std::string name_;
    const date::time_zone* zone_;
};

}  // namespace mamori::collector
