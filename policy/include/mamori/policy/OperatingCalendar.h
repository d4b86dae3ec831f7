#pragma once

#include "mamori/v1/policy.pb.h"

#include <date/date.h>
#include <date/tz.h>

#include <bitset>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace mamori::policy {

// Office hours (開庁時間) of an HoursPolicy, evaluated in the policy's time zone.
//
// The office is open at an instant when its local date is not a closed day and its local
// wall time lies in one of the windows. Each window [start, end) of a local day maps to
// the UTC interval from the first moment the wall clock reads `start` to the first moment
// it reads `end`, so that across a DST change a window stays one contiguous interval:
// a boundary in a skipped hour falls on the moment the clock jumps, and when an hour
// repeats, the first occurrence counts and the window does not reopen during the second.
class OperatingCalendar {
public:
    using Clock = std::chrono::system_clock;
    static constexpr std::string_view kDefaultTimeZone = "Asia/Tokyo";
    // nextTransition() gives up after this many local days without a change, so that an
    // always-open or always-closed policy does not search forever.
    static constexpr int kHorizonDays = 3 * 366;

    struct Interval {
        date::sys_seconds begin;
        date::sys_seconds end;  // exclusive
        friend bool operator==(const Interval&, const Interval&) = default;
    };

    // `defaultZone` applies when hours.time_zone() is empty. Throws std::invalid_argument
    // for an unknown zone, a weekday out of range, a window that is empty, inverted or
    // ends after 24:00, or a closed date that is not YYYY-MM-DD.
    explicit OperatingCalendar(const mamori::v1::HoursPolicy& hours,
                               std::string_view defaultZone = kDefaultTimeZone);

    const date::time_zone& timeZone() const { return *zone_; }

    date::local_seconds localTime(Clock::time_point utc) const;
    date::year_month_day localDate(Clock::time_point utc) const;

    // Weekday not in the policy, a national holiday when those are closed, 12/29-1/3 when
    // the year-end break is closed, or one of the listed closed dates.
    bool isClosedDay(date::year_month_day localDay) const;

    // Open intervals of that local day, in order; empty on a closed day.
    std::vector<Interval> openIntervalsOn(date::year_month_day localDay) const;

    bool isOpenAt(Clock::time_point utc) const;

    // The first instant strictly after `utc` at which isOpenAt() changes value, so the
    // agent can sleep until exactly then. Windows that touch, including across local
    // midnight, count as one open period. nullopt when the state does not change within
    // kHorizonDays.
    std::optional<Clock::time_point> nextTransition(Clock::time_point utc) const;

private:
    struct Window {
        int start;  // minutes after local midnight
        int end;
    };

    date::sys_seconds toUtc(date::local_days day, int minute) const;

    const date::time_zone* zone_ = nullptr;
    std::bitset<7> weekdays_;  // bit = date::weekday::c_encoding(), Sunday = 0
    std::vector<Window> windows_;  // sorted, merged, non-touching
    bool holidaysClosed_ = false;
    bool yearEndClosed_ = false;
    std::vector<date::sys_days> closedDates_;  // sorted, unique
};

}  // namespace mamori::policy
