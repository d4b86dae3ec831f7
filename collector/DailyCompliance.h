#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// 「今日、どの端末が違反したか」: on one local date, every terminal and control in violation:
// those with new violation events that day ("violation"), and those whose standing conditions
// were open that day without a new event ("standing", since the day they began). Today it adds
// the terminals suspected of tampering, which stay so every day until an administrator resolves
// it, and the silent ones, told apart by their profile's calendar: "not reporting" (silent when
// they should be on), "off" (after a clean shutdown) and "off-hours".
class DailyCompliance {
public:
    struct Row {
        std::string terminal;
        std::string group;
        std::string control;  // usb, hours, software, screen_lock, agent, evidence, clock, reporting
        // violation, standing, exempted, tampering suspected, not reporting, off, off-hours
        std::string status;
        uint32_t violations = 0;  // new violation events that day
        uint32_t exempted = 0;
        uint32_t events = 0;
        std::string since;   // standing and tampering: the local date it began; silent: last heard
        std::string reason;  // standing: what is wrong
        int64_t last_seen_unix = 0;
        int64_t clock_skew_ms = 0;
    };

    // fallback_heartbeat_s: the silence allowed a terminal whose profile sets no heartbeat.
    DailyCompliance(Store& store, const LocalCalendar& calendar, int64_t fallback_heartbeat_s)
        : store_(store), calendar_(calendar), fallback_heartbeat_s_(fallback_heartbeat_s) {}

    // section / control empty = all; sections (for a section manager) restricts to those groups. Throws
    // common::UserError (invalid) for a control no row can have.
    std::vector<Row> violations(const std::string& date, int64_t now_unix, const std::string& section,
                                const std::string& control, const std::vector<std::string>& sections = {});

    static std::string controlName(mamori::v1::Control c);
    // "usb, hours, ..., reporting": every control a row can name, for help and errors.
    static const std::string& controlNames();

private:
    Store& store_;
    const LocalCalendar& calendar_;
    int64_t fallback_heartbeat_s_;
};

}  // namespace mamori::collector
