#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace mamori::collector {

// The municipality's calendar as the collector needs it: which local date an instant falls on,
// where a local date starts, and how an instant is written for people and programs.
// "Today" in every report is this zone's today (Asia/Tokyo by default), never the server's or the
// administrator's workstation's: mamorictl sends dates as they were typed and shows the times
// the collector wrote.
class LocalCalendar {
public:
    // Throws common::UserError (invalid) for a zone the tz database does not know, naming the
    // nearest known one.
    explicit LocalCalendar(const std::string& zone_name);
    std::string dateOfNs(int64_t utc_ns) const;             // YYYY-MM-DD
    std::string dateOfUnix(int64_t unix_seconds) const;
    // The first second of the local date `date` (YYYY-MM-DD) plus add_days days, in this zone.
    // Throws common::UserError (invalid) for anything but a date that exists.
    int64_t startOfDateUnix(const std::string& date, int add_days = 0) const;
    // ISO 8601 in this zone with its offset, to the second: "2026-12-04T16:49:03+09:00". The
    // nanosecond form drops the fraction, so both forms of one instant read the same.
    std::string iso8601Unix(int64_t unix_seconds) const;
    std::string iso8601Ns(int64_t utc_ns) const;
    const std::string& zoneName() const { return name_; }

    // Whether `text` is YYYY-MM-DD naming a day that exists (not 2026-02-30, not 2026-2-3).
    static bool isDate(std::string_view text);

private:
    std::string name_;
    const date::time_zone* zone_;
};

}  // namespace mamori::collector
