#include "collector/AdminAnswer.h"

#include <string>

namespace mamori::collector {

namespace json = boost::json;

json::object AdminAnswer::envelope() const {
    return json::object{{"version", kVersion}, {"time_zone", calendar_.zoneName()}};
}

json::object AdminAnswer::listing(json::array rows) const {
    json::object out = envelope();
    out["rows"] = std::move(rows);
    return out;
}

void AdminAnswer::time(json::object& o, std::string_view name, int64_t unix_seconds) const {
    o[std::string(name) + "_unix"] = unix_seconds;
    if (unix_seconds)
        o[name] = calendar_.iso8601Unix(unix_seconds);
    else
        o[name] = nullptr;
}

void AdminAnswer::timeNs(json::object& o, int64_t utc_ns) const {
    o["utc_ns"] = std::to_string(utc_ns);
    o["time"] = calendar_.iso8601Ns(utc_ns);
}

boost::json::object AdminAnswer::change(const std::string& id, int64_t at_unix, const std::string& actor,
                                        const std::string& role, const std::string& action,
                                        const std::string& note) const {
    boost::json::object row{{"id", id}};
    time(row, "at", at_unix);
    row["actor"] = actor;
    row["role"] = role;
    row["action"] = action;
    row["note"] = note;
    return row;
}

}  // namespace mamori::collector
