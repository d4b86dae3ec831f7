#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// The monthly review (月次点検, REQUIREMENTS 000:203) of one month, per section: violations by
// control, the terminals with most violations, and the days terminals did not report. Built
// from the daily compliance table only, never from the events.
//
// A terminal-day counts as not reporting when the terminal sent no event that local date. Only
// whole days are judged: those after the day it enrolled and before today (today's silence is
// `violations --today`, against the heartbeat deadline).
class MonthlyReport {
public:
    static constexpr size_t kTopTerminals = 5;

    struct TerminalCount {
        std::string terminal;
        uint32_t violations = 0;
    };
    struct Silence {
        std::string terminal;
        uint32_t days = 0;     // days not reporting
        uint32_t of_days = 0;  // days judged for this terminal
    };
    struct Section {
        std::string name;
        uint32_t terminals = 0;
        std::map<std::string, uint32_t> violations;  // control name → count
        std::map<std::string, uint32_t> exempted;
        std::vector<TerminalCount> top_terminals;    // most violations first
        std::vector<Silence> not_reporting;          // only terminals with such days, most first
    };
    struct Result {
        std::string month;                 // YYYY-MM
        std::string first_date, last_date; // the month's local dates
        std::string judged_through;        // last date judged for reporting (empty: none yet)
        std::vector<Section> sections;     // by name
    };

    MonthlyReport(ComplianceStore& compliance, TerminalStore& terminals, const LocalCalendar& calendar)
        : compliance_(compliance), terminals_(terminals), calendar_(calendar) {}
    MonthlyReport(Store& store, const LocalCalendar& calendar) : MonthlyReport(store, store, calendar) {}

    // month: YYYY-MM. section empty = all; visible (for an officer) restricts to those sections.
    // Throws common::UserError for a malformed month.
    Result build(const std::string& month, int64_t now_unix, const std::string& section = "",
                 const std::vector<std::string>& visible = {});

    static boost::json::object toJson(const Result& r, const std::string& time_zone);

private:
    ComplianceStore& compliance_;
    TerminalStore& terminals_;
    const LocalCalendar& calendar_;
};

}  // namespace mamori::collector
