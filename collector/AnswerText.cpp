#include "collector/AnswerText.h"

#include <boost/json/serialize.hpp>

namespace mamori::collector {

namespace json = boost::json;

std::string AnswerText::text(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_bool()) return v.as_bool() ? "yes" : "no";
    if (v.is_null()) return "";
    return json::serialize(v);
}

std::string AnswerText::time(const json::value& iso, const std::string& absent) {
    if (!iso.is_string()) return absent;
    const std::string s(iso.as_string());
    // YYYY-MM-DDTHH:MM:SS±HH:MM: the date and the minute, in the zone the collector wrote.
    if (s.size() < 16 || s[10] != 'T') return s;
    return s.substr(0, 10) + " " + s.substr(11, 5);
}

}  // namespace mamori::collector
