#include "collector/MonthlyReport.h"

#include <date/date.h>

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "collector/DailyCompliance.h"
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

    // Violations: the rows with violations or exemptions, a small part of the table.
    std::map<std::string, std::map<std::string, uint32_t>> per_terminal;  // section → terminal → violations
    for (const auto& row : compliance_.complianceBetween(r.first_date, r.last_date, false)) {
        if (!visible(row.group)) continue;
        Section& s = sectionOf(row.group);
        const std::string control = DailyCompliance::controlName(row.control);
        if (row.violations) {
            s.violations[control] += row.violations;
            per_terminal[row.group][row.terminal_id] += row.violations;
        }
        if (row.exempted) s.exempted[control] += row.exempted;
    }
    for (auto& [name, terminals] : per_terminal) {
        auto& top = sectionOf(name).top_terminals;
        for (const auto& [id, n] : terminals) top.push_back({id, n});
        std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
            return a.violations != b.violations ? a.violations > b.violations : a.terminal < b.terminal;
        });
        if (top.size() > kTopTerminals) top.resize(kTopTerminals);
    }

    // Reporting: whole days only, so through yesterday in the municipality's calendar.
    const date::sys_days today = dayOf(calendar_.dateOfUnix(now_unix));
    const date::sys_days judged_to = std::min(last, today - date::days(1));
    if (judged_to >= first) r.judged_through = text(judged_to);
    std::unordered_map<std::string, uint32_t> reported;  // terminal → days of the month with events
    if (!r.judged_through.empty())
        for (auto& [terminal, days] : compliance_.reportingDays(r.first_date, r.judged_through))
            reported.emplace(std::move(terminal), days);
    for (const auto& t : terminals_.terminals()) {
        if (!visible(t.group)) continue;
        Section& s = sectionOf(t.group);
        ++s.terminals;
        const date::sys_days from = std::max(first, dayOf(calendar_.dateOfUnix(t.enrolled_unix)) + date::days(1));
        if (r.judged_through.empty() || from > judged_to) continue;
        Silence silence{t.id, 0, static_cast<uint32_t>((judged_to - from).count() + 1)};
        const auto days = reported.find(t.id);
        const uint32_t mask = days == reported.end() ? 0 : days->second;
        for (date::sys_days d = from; d <= judged_to; d += date::days(1))
            if (!(mask >> (static_cast<unsigned>(date::year_month_day(d).day()) - 1) & 1)) ++silence.days;
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
        json::object violations, exempted;
        for (const auto& [c, n] : s.violations) violations[c] = n;
        for (const auto& [c, n] : s.exempted) exempted[c] = n;
        json::array top, silent;
        for (const auto& t : s.top_terminals) top.push_back(json::object{{"terminal", t.terminal}, {"violations", t.violations}});
        for (const auto& t : s.not_reporting)
            silent.push_back(json::object{{"terminal", t.terminal}, {"days", t.days}, {"of_days", t.of_days}});
        sections.push_back(json::object{{"section", s.name},
                                        {"terminals", s.terminals},
                                        {"violations", violations},
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
