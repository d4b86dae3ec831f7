#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string_view>

#include "collector/LocalCalendar.h"

namespace mamori::collector {

// The shape of the admin endpoint's JSON, for programs that read it (mamorictl, jq, a
// spreadsheet's import): every listing is {"version": 1, "time_zone": ..., ..., "rows": [...]},
// and every time is given twice, as a number for arithmetic and as ISO 8601 in the
// municipality's zone for people and for parsers that need no zone database.
class AdminAnswer {
public:
    // Raised when a field changes meaning or leaves; new fields do not raise it.
    static constexpr int kVersion = 1;

    explicit AdminAnswer(const LocalCalendar& calendar) : calendar_(calendar) {}

    // {"version": 1, "time_zone": "Asia/Tokyo"}: the head of every listing; the caller adds its
    // own fields and then "rows".
    boost::json::object envelope() const;
    // The envelope with `rows`.
    boost::json::object listing(boost::json::array rows) const;

    // o["<name>_unix"] = the seconds and o["<name>"] = ISO 8601 ("2026-12-04T16:49:03+09:00");
    // null for 0, which means never.
    void time(boost::json::object& o, std::string_view name, int64_t unix_seconds) const;
    // o["utc_ns"] as a string (19 digits lose their last ones as a JSON number in jq and
    // JavaScript) and o["time"] in ISO 8601.
    void timeNs(boost::json::object& o, int64_t utc_ns) const;
    // One change of a record's history (an exception's, a ledger entry's): who did what, when, why.
    boost::json::object change(const std::string& id, int64_t at_unix, const std::string& actor,
                               const std::string& role, const std::string& action, const std::string& note) const;

private:
    const LocalCalendar& calendar_;
};

}  // namespace mamori::collector
