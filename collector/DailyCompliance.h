#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// 「今日、どの端末が違反したか」: the violations of one local date, by terminal and control,
// plus, today, the terminals silent past their heartbeat deadline ("not reporting") and those
// suspected of tampering, which stay so every day until an administrator resolves it.
class DailyCompliance {
public:
    struct Row {
        std::string terminal;
        std::string group;
        std::string control;  // usb, hours, software, screen_lock, agent, evidence, clock, reporting
        std::string status;   // violation, exempted, not reporting, tampering suspected
        uint32_t violations = 0;
        uint32_t exempted = 0;
        uint32_t events = 0;
        int64_t last_seen_unix = 0;
        int64_t clock_skew_ms = 0;
    };

    DailyCompliance(ComplianceStore& compliance, TerminalStore& terminals, const LocalCalendar& calendar,
                    int64_t heartbeat_deadline_s)
        : compliance_(compliance), terminals_(terminals), calendar_(calendar), deadline_s_(heartbeat_deadline_s) {}
    DailyCompliance(Store& store, const LocalCalendar& calendar, int64_t heartbeat_deadline_s)
        : DailyCompliance(store, store, calendar, heartbeat_deadline_s) {}

    // section / control empty = all; sections (for an officer) restricts to those groups. Throws
    // common::UserError (invalid) for a control no row can have.
    std::vector<Row> violations(const std::string& date, int64_t now_unix, const std::string& section,
                                const std::string& control, const std::vector<std::string>& sections = {});

    static std::string controlName(mamori::v1::Control c);
    // "usb, hours, ..., reporting": every control a row can name, for help and errors.
    static const std::string& controlNames();

private:
    ComplianceStore& compliance_;
    TerminalStore& terminals_;
    const LocalCalendar& calendar_;
    int64_t deadline_s_;
};

}  // namespace mamori::collector
