#pragma once
#include <date/date.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "collector/PolicyResolver.h"
#include "collector/Store.h"
#include "mamori/policy/OperatingCalendar.h"

namespace mamori::collector {

// When a terminal is expected to be heard from, by the profile its group follows: it syncs at
// least every reporting.heartbeat_minutes while it runs, and runs in its office hours (開庁時間)
// on business days. So a silent terminal is "not reporting" only when it should be on; after a
// clean shutdown it is "off", and outside its hours "off-hours". A profile without office hours
// expects its terminals on every day, all day. Caches each group's profile for its own lifetime
// (one request).
class ReportingExpectation {
public:
    // Decommissioned: out of service (TerminalRecord::decommissioned_unix), expected nowhere.
    enum class Presence { Reporting, NotReporting, Off, OffHours, Decommissioned };

    // fallback_heartbeat_s: for terminals whose profile sets none, or that have no profile yet.
    ReportingExpectation(Store& store, int64_t fallback_heartbeat_s)
        : store_(store), resolver_(store), fallback_s_(fallback_heartbeat_s) {}

    Presence presence(const TerminalRecord& t, int64_t now_unix);
    // Terminals heard from within this many seconds are reporting, whatever their profile.
    int64_t shortestHeartbeat();
    // Whether a local day is a business day by the calendar of the group's profile.
    bool businessDay(const std::string& group, date::sys_days day);

    static const char* name(Presence p);

private:
    struct Profile {
        int64_t heartbeat_s = 0;
        std::optional<mamori::policy::OperatingCalendar> calendar;  // none: always expected on
    };
    const Profile& profile(const std::string& group);

    Store& store_;
    PolicyResolver resolver_;
    int64_t fallback_s_;
    std::map<std::string, Profile> by_group_;
};

}  // namespace mamori::collector
