#pragma once
#include <string>

#include "mamori/v1/policy.pb.h"

namespace mamori::agent {

// One concern on the terminal (USB, hours, software, screen lock). A control reacts to platform
// events on the agent's reactor and reports through the EventSink it was built with.
// Policies are applied in two phases so that a policy is taken by all controls or by none:
// every control check()s the candidate, and only if all accept does each apply() it.
class Control {
public:
    virtual ~Control() = default;
    virtual const char* name() const = 0;
    // Could this policy be applied? false + why refuses it; nothing may change here.
    virtual bool check(const mamori::v1::Policy& policy, std::string& why) = 0;
    // Takes the policy (already checked). Called once at start with the policy in force.
    virtual void apply(const mamori::v1::Policy& policy) = 0;
    // Walks the path of its next decision once, deciding nothing, after the agent has given its
    // code pages back to the system: a decision someone waits for (a stick plugged in) then finds
    // them mapped instead of faulting them back in one by one. Most controls wait for nobody.
    virtual void warm() {}
};

}  // namespace mamori::agent
