#include "collector/LocalCalendar.h"

#include <date/tz.h>

#include <charconv>
#include <cstdio>

#include "mamori/common/UserError.h"
#include "mamori/policy/TimeZoneName.h"

namespace mamori::collector {

LocalCalendar::LocalCalendar(const std::string& zone_name) : name_(zone_name) {
    try {
        zone_ = date::locate_zone(zone_name);
    } catch (const std::exception&) {
        const auto near = mamori::policy::TimeZoneName::nearest(zone_name);
        throw common::UserError::invalid(
            "unknown time zone '" + zone_name + "'; write an IANA name such as Asia/Tokyo" +
                (near ? "; did you mean '" + *near + "'?" : ""),
            "タイムゾーン「" + zone_name + "」は不明です。Asia/Tokyo のような IANA の名前で指定してください" +
                (near ? "（「" + *near + "」の誤りではありませんか）" : ""));
    }
}

namespace {

// An instant as the zone's wall clock shows it. Formatted by hand, not by date::format: the
// fleet-wide answers format a date and a time for every row, and a stream with its locale per
// call was a tenth of what today's view cost.
struct WallClock {
    date::year_month_day day;
    int64_t second_of_day = 0;
    int64_t offset_s = 0;
};

WallClock wallClock(const date::time_zone* zone, int64_t unix_seconds) {
    const date::sys_seconds at{std::chrono::seconds(unix_seconds)};
    WallClock w;
    w.offset_s = zone->get_info(at).offset.count();
    const date::sys_seconds local{std::chrono::seconds(unix_seconds + w.offset_s)};
    const auto days = date::floor<date::days>(local);
    w.day = date::year_month_day(days);
    w.second_of_day = (local - days).count();
    return w;
}

}  // namespace

std::string LocalCalendar::dateOfNs(int64_t utc_ns) const {
    // Floor, not truncation toward zero: an instant before 1970 stays in its own second.
    const WallClock w = wallClock(zone_, utc_ns / 1'000'000'000 - (utc_ns % 1'000'000'000 < 0 ? 1 : 0));
    char out[16];
    std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(w.day.year()),
                  static_cast<unsigned>(w.day.month()), static_cast<unsigned>(w.day.day()));
    return out;
}

std::string LocalCalendar::dateOfUnix(int64_t unix_seconds) const {
    return dateOfNs(unix_seconds * 1'000'000'000);
}

int64_t LocalCalendar::startOfDateUnix(const std::string& text, int add_days) const {
    if (!isDate(text))
        throw common::UserError::invalid("'" + text + "' is not a date that exists, YYYY-MM-DD",
                                         "'" + text + "' は実在する日付ではありません。YYYY-MM-DD の形で指定してください");
    const auto ymd = date::year{std::stoi(text.substr(0, 4))} / std::stoi(text.substr(5, 2)) / std::stoi(text.substr(8, 2));
    // earliest: a day that starts inside a DST gap starts at the first instant that exists.
    const auto start =
        date::make_zoned(zone_, date::local_days(ymd) + date::days(add_days), date::choose::earliest).get_sys_time();
    return std::chrono::duration_cast<std::chrono::seconds>(start.time_since_epoch()).count();
}

std::string LocalCalendar::iso8601Unix(int64_t unix_seconds) const {
    const WallClock w = wallClock(zone_, unix_seconds);
    const int64_t offset_min = (w.offset_s < 0 ? -w.offset_s : w.offset_s) / 60;
    char out[40];
    // ISO 8601's extended offset, +09:00.
    std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", static_cast<int>(w.day.year()),
                  static_cast<unsigned>(w.day.month()), static_cast<unsigned>(w.day.day()),
                  static_cast<int>(w.second_of_day / 3600), static_cast<int>(w.second_of_day / 60 % 60),
                  static_cast<int>(w.second_of_day % 60), w.offset_s < 0 ? '-' : '+', static_cast<int>(offset_min / 60),
                  static_cast<int>(offset_min % 60));
    return out;
}

std::string LocalCalendar::iso8601Ns(int64_t utc_ns) const {
    // Floor, not truncation toward zero: an instant before 1970 stays in its own second.
    return iso8601Unix(utc_ns / 1'000'000'000 - (utc_ns % 1'000'000'000 < 0 ? 1 : 0));
}

bool LocalCalendar::isDate(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    auto number = [&](size_t at, size_t len, int& out) {
        const auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
        return ec == std::errc() && end == text.data() + at + len && text[at] != '-' && text[at] != '+';
    };
    int y = 0, m = 0, d = 0;
    if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return false;
    return date::year_month_day{date::year{y}, date::month{static_cast<unsigned>(m)},
                                date::day{static_cast<unsigned>(d)}}
        .ok();
}

}  // namespace mamori::collector
