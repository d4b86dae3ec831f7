#include "collector/DailyCompliance.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "collector/ReportingExpectation.h"

#include "mamori/common/UserError.h"

namespace mamori::collector {

std::string DailyCompliance::controlName(mamori::v1::Control c) {
    switch (c) {
        case mamori::v1::USB: return "usb";
        case mamori::v1::HOURS: return "hours";
        case mamori::v1::SOFTWARE: return "software";
        case mamori::v1::SCREEN_LOCK: return "screen_lock";
        case mamori::v1::AGENT: return "agent";
        case mamori::v1::EVIDENCE: return "evidence";
        case mamori::v1::CLOCK: return "clock";
        default: return "other";
    }
}

const std::string& DailyCompliance::controlNames() {
    static const std::string names = [] {
        std::string out;
        for (auto c : {mamori::v1::USB, mamori::v1::HOURS, mamori::v1::SOFTWARE, mamori::v1::SCREEN_LOCK, mamori::v1::AGENT,
                       mamori::v1::EVIDENCE, mamori::v1::CLOCK})
            out += controlName(c) + ", ";
        return out + "reporting";
    }();
    return names;
}

std::vector<DailyCompliance::Row> DailyCompliance::violations(const std::string& date, int64_t now_unix,
                                                              const std::string& section, const std::string& control,
                                                              const std::vector<std::string>& sections) {
    // A misspelt control would otherwise read as a day without violations.
    if (!control.empty() && (", " + controlNames() + ",").find(", " + control + ",") == std::string::npos)
        throw common::UserError::invalid("no control '" + control + "'; give one of " + controlNames(),
                                         "制御 '" + control + "' はありません。次のいずれかを指定してください: " +
                                             controlNames());
    auto visible = [&](const std::string& group) {
        if (!section.empty() && group != section) return false;
        return sections.empty() || std::find(sections.begin(), sections.end(), group) != sections.end();
    };
    auto wanted = [&](const std::string& group, const std::string& name) {
        return visible(group) && (control.empty() || control == name);
    };
    std::vector<Row> rows;
    // The row of (terminal, control), made when there is none yet.
    std::map<std::pair<std::string, std::string>, size_t> index;
    auto rowOf = [&](const std::string& terminal, const std::string& group, const std::string& name, int64_t seen,
                     int64_t skew) -> Row& {
        auto [it, added] = index.try_emplace({terminal, name}, rows.size());
        if (added) rows.push_back(Row{terminal, group, name, "", 0, 0, 0, "", "", seen, skew});
        return rows[it->second];
    };
    for (const auto& row : store_.compliance(date, false)) {
        std::string name = controlName(row.control);
        if (!wanted(row.group, name)) continue;
        Row& r = rowOf(row.terminal_id, row.group, name, row.last_seen_unix, row.clock_skew_ms);
        r.status = row.violations ? "violation" : "exempted";
        r.violations = row.violations;
        r.exempted = row.exempted;
        r.events = row.events;
    }
    // Conditions open that day stand whether or not anything was said about them that day.
    for (const auto& c : store_.conditionsBetween(date, date)) {
        const std::string name = controlName(c.control);
        if (!wanted(c.group, name)) continue;
        Row& r = rowOf(c.terminal_id, c.group, name, c.last_seen_unix, c.clock_skew_ms);
        // Begun that day, it is that day's news, counted by the event that opened it.
        if (c.since_date == date) r.status = "violation";
        else if (r.status != "violation") r.status = "standing";
        if (r.since.empty() || c.since_date < r.since) r.since = c.since_date;
        r.reason += (r.reason.empty() ? "" : "; ") + c.reason;
        if (c.cleared_unix != 0) r.reason += " (resolved " + c.cleared_date + ")";
    }
    // Silence and standing suspicions are judged for today: a past day shows what happened on it.
    const bool today = date == calendar_.dateOfUnix(now_unix);
    if (today && (control.empty() || control == "evidence")) {
        for (const auto& t : store_.tamperingSuspected()) {
            if (!wanted(t.group, "evidence")) continue;
            Row& r = rowOf(t.id, t.group, "evidence", t.last_seen_unix, t.clock_skew_ms);
            r.status = "tampering suspected";
            r.since = calendar_.dateOfUnix(t.tampering_since_unix);
            r.reason = t.tampering_detail;
        }
    }
    if (today && (control.empty() || control == "reporting")) {
        ReportingExpectation expectation(store_, fallback_heartbeat_s_);
        // Only those silent longer than the shortest heartbeat can be missing: the fleet's few,
        // or on a holiday all of it, judged one by one against their own profile.
        for (const auto& t : store_.silentTerminals(now_unix - expectation.shortestHeartbeat())) {
            if (!visible(t.group)) continue;
            const auto presence = expectation.presence(t, now_unix);
            if (presence == ReportingExpectation::Presence::Reporting ||
                presence == ReportingExpectation::Presence::Decommissioned)
                continue;
            Row& r = rowOf(t.id, t.group, "reporting", t.last_seen_unix, t.clock_skew_ms);
            r.status = ReportingExpectation::name(presence);
            r.since = calendar_.dateOfUnix(t.off_since_unix != 0 ? t.off_since_unix
                                                                  : std::max(t.last_seen_unix, t.enrolled_unix));
        }
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return std::tie(a.group, a.terminal, a.control) < std::tie(b.group, b.terminal, b.control);
    });
    return rows;
}

}  // namespace mamori::collector
