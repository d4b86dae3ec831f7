#include "collector/DailyCompliance.h"

#include <algorithm>

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
    std::vector<Row> rows;
    for (const auto& row : compliance_.compliance(date, false)) {
        std::string name = controlName(row.control);
        if (!visible(row.group) || (!control.empty() && control != name)) continue;
        rows.push_back(Row{row.terminal_id, row.group, name, row.violations ? "violation" : "exempted", row.violations,
                           row.exempted, row.events, row.last_seen_unix, row.clock_skew_ms});
    }
    // Silence and standing suspicions are judged for today: a past day shows what happened on it.
    bool today = date == calendar_.dateOfUnix(now_unix);
    if (today && (control.empty() || control == "evidence")) {
        for (const auto& t : terminals_.tamperingSuspected()) {
            if (!visible(t.group)) continue;
            auto same = std::find_if(rows.begin(), rows.end(), [&](const Row& r) {
                return r.terminal == t.id && r.control == "evidence";
            });
            if (same == rows.end())
                same = rows.insert(rows.end(), Row{t.id, t.group, "evidence", "", 0, 0, 0, t.last_seen_unix,
                                                   t.clock_skew_ms});
            same->status = "tampering suspected";
        }
    }
    if (today && (control.empty() || control == "reporting")) {
        // Silent past the deadline: seen (or enrolled) strictly before now - deadline.
        for (const auto& t : terminals_.silentTerminals(now_unix - deadline_s_)) {
            if (!visible(t.group)) continue;
            rows.push_back(Row{t.id, t.group, "reporting", "not reporting", 0, 0, 0, t.last_seen_unix, t.clock_skew_ms});
        }
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return std::tie(a.group, a.terminal, a.control) < std::tie(b.group, b.terminal, b.control);
    });
    return rows;
}

}  // namespace mamori::collector
