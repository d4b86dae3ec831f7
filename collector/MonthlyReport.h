#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// The monthly review (月次点検, REQUIREMENTS 000:203) of one month, per section: violation events
// and days in violation by control, the terminals most days in violation, and the business days
// terminals did not report. Built from the daily compliance table and the standing conditions,
// never from the events.
//
// A terminal is in violation on a day with a new violation event or a standing condition open
// (an unapproved package still installed counts every day it stays). A terminal-day counts as
// not reporting when it is a business day by the calendar of the terminal's profile and the
// terminal sent no event that local date. Only whole days are judged: those after the day it
// enrolled and before today (today's silence is `violations --today`).
class MonthlyReport {
public:
    static constexpr size_t kTopTerminals = 5;

    struct TerminalCount {
        std::string terminal;
        uint32_t violations = 0;  // violation events
        uint32_t days = 0;        // days in violation, by any control
    };
    struct Silence {
        std::string terminal;
        uint32_t days = 0;     // days not reporting
        uint32_t of_days = 0;  // business days judged for this terminal
    };
    struct Section {
        std::string name;
        uint32_t terminals = 0;
        std::map<std::string, uint32_t> violations;      // control name → violation events
        std::map<std::string, uint32_t> violating_days;  // control name → terminal-days in violation
        std::map<std::string, uint32_t> exempted;
        std::vector<TerminalCount> top_terminals;    // most days in violation first
        std::vector<Silence> not_reporting;          // only terminals with such days, most first
    };
    struct Result {
        std::string month;                 // YYYY-MM
        std::string first_date, last_date; // the month's local dates
        std::string judged_through;        // last date judged for reporting (empty: none yet)
        std::vector<Section> sections;     // by name
    };

    MonthlyReport(Store& store, const LocalCalendar& calendar) : store_(store), calendar_(calendar) {}

    // month: YYYY-MM. section empty = all; visible (for a section manager) restricts to those sections.
    // Throws common::UserError for a malformed month.
    Result build(const std::string& month, int64_t now_unix, const std::string& section = "",
                 const std::vector<std::string>& visible = {});

    static boost::json::object toJson(const Result& r, const std::string& time_zone);

private:
    Store& store_;
    const LocalCalendar& calendar_;
};

}  // namespace mamori::collector
