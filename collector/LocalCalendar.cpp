#include "collector/LocalCalendar.h"

#include <date/tz.h>

#include <sstream>
#include <stdexcept>
#include "mamori/common/UserError.h"

namespace mamori::collector {

LocalCalendar::LocalCalendar(const std::string& zone_name) : name_(zone_name) {
    try {
        zone_ = date::locate_zone(zone_name);
    } catch (const std::exception& e) {
        throw std::runtime_error("unknown time zone '" + zone_name + "': " + e.what());
    }
}

std::string LocalCalendar::dateOfNs(int64_t utc_ns) const {
    auto tp = std::chrono::sys_time<std::chrono::nanoseconds>(std::chrono::nanoseconds(utc_ns));
    auto local = date::make_zoned(zone_, std::chrono::time_point_cast<std::chrono::seconds>(tp)).get_local_time();
    return date::format("%F", date::floor<date::days>(local));
}

std::string LocalCalendar::dateOfUnix(int64_t unix_seconds) const {
    return dateOfNs(unix_seconds * 1'000'000'000);
}

int64_t LocalCalendar::startOfDateUnix(const std::string& date, int add_days) const {
    std::istringstream in(date);
    date::local_days day;
    in >> date::parse("%F", day);
    if (in.fail() || date.size() != 10) throw common::UserError::invalid("'" + date + "' is not a date, YYYY-MM-DD",
                                         "'" + date + "' は日付ではありません。YYYY-MM-DD の形で指定してください");
    // earliest: a day that starts inside a DST gap starts at the first instant that exists.
    const auto start = date::make_zoned(zone_, day + date::days(add_days), date::choose::earliest).get_sys_time();
    return std::chrono::duration_cast<std::chrono::seconds>(start.time_since_epoch()).count();
}

}  // namespace mamori::collector
