#pragma once
#include <optional>
#include <string>

namespace mamori::policy {

// An IANA time zone name as a person writes it (a profile's hours.time_zone, collector.conf's
// time_zone): whether the tz database knows it, and which known name a mistyped one most likely
// meant ("Asia/Tokio" → "Asia/Tokyo").
class TimeZoneName {
public:
    static bool known(const std::string& name);
    static std::optional<std::string> nearest(const std::string& name);
};

}  // namespace mamori::policy
