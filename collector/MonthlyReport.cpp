#include "collector/MonthlyReport.h"

#include <date/date.h>

#include <algorithm>
#include <bit>
#include <tuple>
#include <boost/json.hpp>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "collector/DailyCompliance.h"
#include "collector/ReportingExpectation.h"
#include "mamori/common/UserError.h"

namespace mamori::collector {

namespace json = boost::json;

namespace {

date::sys_days dayOf(const std::string& text) {
    std::istringstream in(text);
    date::year_month_day d;
    in >> date::parse("%F", d);
    if (in.fail()) throw common::UserError::invalid("'" + text + "' is not a date", "'" + text + "' は日付ではありません");
    return date::sys_days(d);
}

std::string text(date::sys_days d) { return date::format("%F", d); }

}  // namespace

MonthlyReport::Result MonthlyReport::build(const std::string& month, int64_t now_unix, const std::string& section,
                                           const std::vector<std::string>& visible_sections) {
    std::istringstream in(month + "-01");
    date::year_month_day first_ymd;
    in >> date::parse("%F", first_ymd);
    if (in.fail() || month.size() != 7 || month[4] != '-')
        throw common::UserError::invalid("the month must be YYYY-MM, e.g. 2026-11, not '" + month + "'",
                                         "対象月は YYYY-MM の形（例: 2026-11）で指定してください（'" + month + "'）");
    const date::sys_days first = date::sys_days(first_ymd);
    const date::sys_days last =
        date::sys_days(date::year_month_day_last(first_ymd.year(), date::month_day_last(first_ymd.month())));
    Result r;
    r.month = month;
    r.first_date = text(first);
    r.last_date = text(last);

    auto visible = [&](const std::string& group) {
        if (!section.empty() && group != section) return false;
        return visible_sections.empty() ||
               std::find(visible_sections.begin(), visible_sections.end(), group) != visible_sections.end();
    };
    std::map<std::string, Section> by_name;
    auto sectionOf = [&](const std::string& name) -> Section& {
        Section& s = by_name[name];
        s.name = name;
        return s;
    };

    // Reporting: whole days only, so through yesterday in the municipality's calendar.
    const date::sys_days today = dayOf(calendar_.dateOfUnix(now_unix));
    const date::sys_days judged_to = std::min(last, today - date::days(1));
    if (judged_to >= first) r.judged_through = text(judged_to);

    // Days in violation: bit d-1 of a terminal's mask for each control is day d of the month.
    struct Flagged {
        std::string group;
        uint32_t violations = 0;
        std::map<std::string, uint32_t> days;  // control → mask
    };
    std::map<std::string, Flagged> flagged;  // terminal → its month
    auto bit = [](date::sys_days d) { return 1u << (static_cast<unsigned>(date::year_month_day(d).day()) - 1); };
    // Violations: the rows with violations or exemptions, a small part of the table.
    for (const auto& row : store_.complianceBetween(r.first_date, r.last_date, false)) {
        if (!visible(row.group)) continue;
        Section& s = sectionOf(row.group);
        const std::string control = DailyCompliance::controlName(row.control);
        if (row.violations) {
            s.violations[control] += row.violations;
            Flagged& f = flagged[row.terminal_id];
            f.group = row.group;
            f.violations += row.violations;
            f.days[control] |= bit(dayOf(row.date));
        }
        if (row.exempted) s.exempted[control] += row.exempted;
    }
    // Standing conditions: every day of the month they were open, up to today.
    const date::sys_days through = std::min(last, today);
    if (through >= first)
        for (const auto& c : store_.conditionsBetween(r.first_date, text(through))) {
            if (!visible(c.group)) continue;
            Flagged& f = flagged[c.terminal_id];
            f.group = c.group;
            uint32_t& mask = f.days[DailyCompliance::controlName(c.control)];
            const date::sys_days to = c.cleared_unix == 0 ? through : std::min(through, dayOf(c.cleared_date));
            for (date::sys_days d = std::max(first, dayOf(c.since_date)); d <= to; d += date::days(1)) mask |= bit(d);
        }
    for (const auto& [terminal, f] : flagged) {
        Section& s = sectionOf(f.group);
        uint32_t any = 0;
        for (const auto& [control, mask] : f.days) {
            s.violating_days[control] += static_cast<uint32_t>(std::popcount(mask));
            any |= mask;
        }
        s.top_terminals.push_back({terminal, f.violations, static_cast<uint32_t>(std::popcount(any))});
    }
    for (auto& [name, s] : by_name) {
        auto& top = s.top_terminals;
        std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
            return std::tie(b.days, b.violations, a.terminal) < std::tie(a.days, a.violations, b.terminal);
        });
        if (top.size() > kTopTerminals) top.resize(kTopTerminals);
    }

    std::unordered_map<std::string, uint32_t> reported;  // terminal → days of the month with events
    if (!r.judged_through.empty())
        for (auto& [terminal, days] : store_.reportingDays(r.first_date, r.judged_through))
            reported.emplace(std::move(terminal), days);
    // Only its calendars are used: a whole past day needs no heartbeat.
    ReportingExpectation expectation(store_, 0);
    for (const auto& t : store_.terminals()) {
        if (!visible(t.group)) continue;
        // A terminal decommissioned before the month was not in service in it; one decommissioned
        // during it is expected only on the days before.
        date::sys_days until = judged_to;
        if (t.decommissioned_unix != 0) {
            const date::sys_days gone = dayOf(calendar_.dateOfUnix(t.decommissioned_unix));
            if (gone < first) continue;
            until = std::min(judged_to, gone - date::days(1));
        }
        Section& s = sectionOf(t.group);
        ++s.terminals;
        const date::sys_days from = std::max(first, dayOf(calendar_.dateOfUnix(t.enrolled_unix)) + date::days(1));
        if (r.judged_through.empty() || from > until) continue;
        Silence silence{t.id, 0, 0};
        const auto days = reported.find(t.id);
        const uint32_t mask = days == reported.end() ? 0 : days->second;
        for (date::sys_days d = from; d <= until; d += date::days(1)) {
            // A weekend, a holiday or the year-end break of its calendar is no day to be missed.
            if (!expectation.businessDay(t.group, d)) continue;
            ++silence.of_days;
            if (!(mask & bit(d))) ++silence.days;
        }
        if (silence.days) s.not_reporting.push_back(std::move(silence));
    }
    for (auto& [name, s] : by_name) {
        std::sort(s.not_reporting.begin(), s.not_reporting.end(), [](const auto& a, const auto& b) {
            return a.days != b.days ? a.days > b.days : a.terminal < b.terminal;
        });
        r.sections.push_back(std::move(s));
    }
    return r;
}

json::object MonthlyReport::toJson(const Result& r, const std::string& time_zone) {
    json::array sections;
    for (const auto& s : r.sections) {
        json::object violations, violating_days, exempted;
        for (const auto& [c, n] : s.violations) violations[c] = n;
        for (const auto& [c, n] : s.violating_days) violating_days[c] = n;
        for (const auto& [c, n] : s.exempted) exempted[c] = n;
        json::array top, silent;
        for (const auto& t : s.top_terminals)
            top.push_back(json::object{{"terminal", t.terminal}, {"violations", t.violations}, {"days", t.days}});
        for (const auto& t : s.not_reporting)
            silent.push_back(json::object{{"terminal", t.terminal}, {"days", t.days}, {"of_days", t.of_days}});
        sections.push_back(json::object{{"section", s.name},
                                        {"terminals", s.terminals},
                                        {"violations", violations},
                                        {"violating_days", violating_days},
                                        {"exempted", exempted},
                                        {"top_terminals", top},
                                        {"not_reporting", silent}});
    }
    return json::object{{"month", r.month},
                        {"time_zone", time_zone},
                        {"from", r.first_date},
                        {"to", r.last_date},
                        {"judged_through", r.judged_through},
                        {"sections", sections}};
}

}  // namespace mamori::collector
