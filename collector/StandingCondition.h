#pragma once
#include <optional>
#include <string>

#include "mamori/v1/event.pb.h"

namespace mamori::collector {

// A condition on a terminal that stays true until something changes it: an unapproved package
// still installed, a desktop that locks too late, a control switched off in agent.conf, a clock
// out of tolerance. The terminal violates its policy on every day one is open, whether or not
// an event arrives that day, so the daily view lists it as standing ("since 11/20") and the
// monthly review counts those days.
//
// The agent reports only transitions; which event opens or closes which condition is decided
// here, from the event's type and details, and nowhere else. Keys are per terminal.
struct StandingCondition {
    std::string key;  // "package:NAME", "lock-setting:USER", "local:CONTROL", "clock"
    mamori::v1::Control control = mamori::v1::CONTROL_UNSPECIFIED;
    bool open = false;   // false: the event clears the condition
    std::string reason;  // what is wrong, for the views (when open)

    // The condition an authenticated event opens or clears; nothing for other events.
    static std::optional<StandingCondition> of(const mamori::v1::EventBody& event);

    static constexpr const char* kClockKey = "clock";
};

}  // namespace mamori::collector
