#pragma once
#include <memory>
#include <string>
#include <vector>

#include "agent/Control.h"
#include "agent/ControlContext.h"
#include "agent/UserNotice.h"

namespace mamori::agent {

// The controls the agent runs, and the two-phase application of a policy to all of them.
class Controls {
public:
    explicit Controls(ControlContext ctx);
    ~Controls();

    // All controls check the policy; only if every one accepts does every one apply it.
    bool apply(const mamori::v1::Policy& policy, std::string& why);

    // Each control's warm(): called on the reactor after memory was given back.
    void warm();

    size_t size() const { return controls_.size(); }

private:
    std::string terminal_id_;
    // Before the controls: they hold it and are gone first.
    std::unique_ptr<UserNotice> notice_;
    std::vector<std::unique_ptr<Control>> controls_;
};

}  // namespace mamori::agent
