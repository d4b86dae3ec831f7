#include "mamori/policy/TimeZoneName.h"

#include <date/tz.h>

#include <vector>

#include "mamori/common/NearestWord.h"

namespace mamori::policy {

bool TimeZoneName::known(const std::string& name) {
    try {
        date::locate_zone(name);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

std::optional<std::string> TimeZoneName::nearest(const std::string& name) {
    std::vector<std::string> names;
    try {
        for (const auto& zone : date::get_tzdb().zones) names.emplace_back(zone.name());
    } catch (const std::exception&) {
        // No database to suggest from: the caller still says the name is unknown.
    }
    return common::NearestWord::among(name, names);
}

}  // namespace mamori::policy
