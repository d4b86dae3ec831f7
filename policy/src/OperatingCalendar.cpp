#include "mamori/policy/OperatingCalendar.h"

#include "mamori/policy/HolidayCalendar.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mamori::policy {

namespace {

constexpr int kMinutesPerDay = 24 * 60;

std::optional<date::sys_days> parseDate(const std::string& s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') {
        return std::nullopt;
    }
    int v[3] = {0, 0, 0};
    const std::size_t begin[3] = {0, 5, 8};
    const std::size_t len[3] = {4, 2, 2};
    for (int f = 0; f < 3; ++f) {
        for (std::size_t i = begin[f]; i < begin[f] + len[f]; ++i) {
            if (s[i] < '0' || s[i] > '9') {
                return std::nullopt;
            }
            v[f] = v[f] * 10 + (s[i] - '0');
        }
    }
    const date::year_month_day d{date::year{v[0]}, date::month{static_cast<unsigned>(v[1])},
                                 date::day{static_cast<unsigned>(v[2])}};
    if (!d.ok()) {
        return std::nullopt;
    }
    return date::sys_days{d};
}

const date::time_zone* resolveZone(std::string_view name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        throw std::invalid_argument("unknown time zone: " + std::string(name));
    }
}

}  // namespace

OperatingCalendar::OperatingCalendar(const mamori::v1::HoursPolicy& hours,
                                     std::string_view defaultZone)
    : zone_(resolveZone(hours.time_zone().empty() ? defaultZone
                                                  : std::string_view(hours.time_zone()))),
      holidaysClosed_(hours.national_holidays_closed()),
      yearEndClosed_(hours.year_end_closed()) {
    for (int wd : hours.weekdays()) {
        if (wd < 0 || wd > 6) {
            throw std::invalid_argument("weekday out of range: " + std::to_string(wd));
        }
        weekdays_.set(static_cast<std::size_t>(wd));
    }

    for (const auto& w : hours.windows()) {
        if (w.start_minute() >= w.end_minute() || w.end_minute() > kMinutesPerDay) {
            throw std::invalid_argument("time window must satisfy start < end <= 1440, got [" +
                                        std::to_string(w.start_minute()) + ", " +
                                        std::to_string(w.end_minute()) + ")");
        }
        windows_.push_back(
            Window{static_cast<int>(w.start_minute()), static_cast<int>(w.end_minute())});
    }
    // Overlapping or touching windows are one open period; merging them here means a
    // boundary between them is never reported as a transition.
    std::sort(windows_.begin(), windows_.end(),
              [](const Window& a, const Window& b) { return a.start < b.start; });
    std::vector<Window> merged;
    for (const Window& w : windows_) {
        if (!merged.empty() && w.start <= merged.back().end) {
            merged.back().end = std::max(merged.back().end, w.end);
        } else {
            merged.push_back(w);
        }
    }
    windows_ = std::move(merged);

    for (const std::string& s : hours.closed_dates()) {
        const auto d = parseDate(s);
        if (!d) {
            throw std::invalid_argument("closed date is not YYYY-MM-DD: " + s);
        }
        closedDates_.push_back(*d);
    }
    std::sort(closedDates_.begin(), closedDates_.end());
    closedDates_.erase(std::unique(closedDates_.begin(), closedDates_.end()),
                       closedDates_.end());
}

date::local_seconds OperatingCalendar::localTime(Clock::time_point utc) const {
    return zone_->to_local(date::floor<std::chrono::seconds>(utc));
}

date::year_month_day OperatingCalendar::localDate(Clock::time_point utc) const {
    return date::year_month_day{date::floor<date::days>(localTime(utc))};
}

bool OperatingCalendar::isClosedDay(date::year_month_day localDay) const {
    const date::sys_days day{localDay};
    if (!weekdays_.test(date::weekday{day}.c_encoding())) {
        return true;
    }
    if (yearEndClosed_) {
        const auto m = localDay.month();
        const auto d = localDay.day();
        if ((m == date::December && d >= date::day{29}) ||
            (m == date::January && d <= date::day{3})) {
            return true;
        }
    }
    if (holidaysClosed_ && HolidayCalendar::isHoliday(localDay)) {
        return true;
    }
    return std::binary_search(closedDates_.begin(), closedDates_.end(), day);
}

date::sys_seconds OperatingCalendar::toUtc(date::local_days day, int minute) const {
    // `earliest` maps a repeated wall time to its first occurrence and a skipped one to
    // the instant of the jump, i.e. the first moment the clock reads that time or later.
    return zone_->to_sys(day + std::chrono::minutes{minute}, date::choose::earliest);
}

std::vector<OperatingCalendar::Interval> OperatingCalendar::openIntervalsOn(
    date::year_month_day localDay) const {
    std::vector<Interval> out;
    if (isClosedDay(localDay)) {
        return out;
    }
    const date::local_days day{localDay};
    for (const Window& w : windows_) {
        const Interval iv{toUtc(day, w.start), toUtc(day, w.end)};
        // A window lying wholly inside a skipped hour never happens on that day.
        if (iv.begin < iv.end) {
            out.push_back(iv);
        }
    }
    return out;
}

bool OperatingCalendar::isOpenAt(Clock::time_point utc) const {
    // Neighbouring days too: where the clock falls back across midnight, the end of one
    // local day's windows can come after the next local day has begun.
    const date::sys_days today{localDate(utc)};
    for (int offset = -1; offset <= 1; ++offset) {
        for (const Interval& iv : openIntervalsOn(date::year_month_day{today + date::days{offset}})) {
            if (iv.begin <= utc && utc < iv.end) {
                return true;
            }
        }
    }
    return false;
}

std::optional<OperatingCalendar::Clock::time_point> OperatingCalendar::nextTransition(
    Clock::time_point utc) const {
    if (windows_.empty() || weekdays_.none()) {
        return std::nullopt;
    }
    // Intervals come out in UTC order day after day and never overlap, only touch, so one
    // forward pass finds either the end of the open period containing `utc` or the start
    // of the next one.
    const date::sys_days first = date::sys_days{localDate(utc)} - date::days{1};
    bool open = false;
    date::sys_seconds openUntil{};
    for (int i = 0; i <= kHorizonDays + 1; ++i) {
        const date::sys_days day = first + date::days{i};
        for (const Interval& iv : openIntervalsOn(date::year_month_day{day})) {
            if (open) {
                if (iv.begin > openUntil) {
                    return openUntil;
                }
                openUntil = std::max(openUntil, iv.end);
            } else if (iv.end <= utc) {
                continue;
            } else if (iv.begin <= utc) {
                open = true;
                openUntil = iv.end;
            } else {
                return iv.begin;
            }
        }
        // Every later interval starts at or after the next local midnight; if the open
        // period ends before it, nothing can extend it.
        if (open && openUntil < toUtc(date::local_days{(day + date::days{1}).time_since_epoch()}, 0)) {
            return openUntil;
        }
    }
    return std::nullopt;
}

}  // namespace mamori::policy
