#include "collector/LocalCalendar.h"

#include <date/tz.h>

#include <stdexcept>

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

}  // namespace mamori::collector
