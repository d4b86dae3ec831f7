#include "collector/ReportingExpectation.h"

#include <algorithm>

namespace mamori::collector {

namespace {

using Clock = std::chrono::system_clock;

Clock::time_point instant(int64_t unix_seconds) { return Clock::time_point(std::chrono::seconds(unix_seconds)); }

}  // namespace

const ReportingExpectation::Profile& ReportingExpectation::profile(const std::string& group) {
    auto it = by_group_.find(group);
    if (it != by_group_.end()) return it->second;
    Profile p;
    p.heartbeat_s = fallback_s_;
    mamori::v1::Policy policy;
    if (auto record = resolver_.forGroup(group); record && policy.ParseFromString(record->policy)) {
        if (policy.reporting().heartbeat_minutes() != 0)
            p.heartbeat_s = int64_t{policy.reporting().heartbeat_minutes()} * 60;
        // The loader validated the hours; a calendar that still fails to build (a zone this
        // machine's tz database lacks) leaves the terminal expected on all day.
        if (policy.hours().windows_size() > 0) try {
                p.calendar.emplace(policy.hours());
            } catch (const std::exception&) {
            }
    }
    return by_group_.emplace(group, std::move(p)).first->second;
}

int64_t ReportingExpectation::shortestHeartbeat() {
    int64_t shortest = fallback_s_;
    for (const auto& group : store_.policyGroups()) shortest = std::min(shortest, profile(group).heartbeat_s);
    return shortest;
}

ReportingExpectation::Presence ReportingExpectation::presence(const TerminalRecord& t, int64_t now_unix) {
    if (t.decommissioned_unix != 0) return Presence::Decommissioned;
    const Profile& p = profile(t.group);
    const int64_t heard = std::max(t.last_seen_unix, t.enrolled_unix);
    if (now_unix - heard <= p.heartbeat_s) return Presence::Reporting;
    if (t.off_since_unix != 0) return Presence::Off;
    if (!p.calendar) return Presence::NotReporting;
    if (!p.calendar->isOpenAt(instant(now_unix))) return Presence::OffHours;
    // Open now: silence counts from the start of today's hours, so a terminal switched on a
    // little after opening time is not already missing.
    int64_t opened = now_unix;
    for (const auto& i : p.calendar->openIntervalsOn(p.calendar->localDate(instant(now_unix)))) {
        const int64_t begin = i.begin.time_since_epoch().count(), end = i.end.time_since_epoch().count();
        if (begin <= now_unix && now_unix < end) opened = begin;
    }
    return now_unix - std::max(heard, opened) > p.heartbeat_s ? Presence::NotReporting : Presence::OffHours;
}

bool ReportingExpectation::businessDay(const std::string& group, date::sys_days day) {
    const Profile& p = profile(group);
    return !p.calendar || !p.calendar->isClosedDay(date::year_month_day(day));
}

const char* ReportingExpectation::name(Presence p) {
    switch (p) {
        case Presence::Reporting: return "reporting";
        case Presence::NotReporting: return "not reporting";
        case Presence::Off: return "off";
        case Presence::OffHours: return "off-hours";
        case Presence::Decommissioned: return "decommissioned";
    }
    return "reporting";
}

}  // namespace mamori::collector
