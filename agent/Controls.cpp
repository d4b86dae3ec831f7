#include "agent/Controls.h"

#include "agent/ClockWatch.h"
#include "agent/ExceptionScope.h"
#include "agent/HoursControl.h"
#include "agent/ScreenLockControl.h"
#include "agent/SoftwareControl.h"
#include "agent/UsbControl.h"

namespace mamori::agent {

Controls::Controls(ControlContext ctx) : terminal_id_(ctx.terminal_id) {
    // The hours control follows the sessions; the notices of the others go to those.
    auto hours = HoursControl::create(ctx);
    const auto& sessions = hours->sessions();
    notice_ = std::make_unique<UserNotice>(mamori::platform::commandRunner(ctx.executor), ctx.config.notify_command,
                                           [&sessions] { return sessions.active(); }, ctx.clock);
    ctx.notice = notice_.get();
    // Each control is added here, one line each, in the order they are applied.
    controls_.push_back(std::move(hours));
    controls_.push_back(ScreenLockControl::create(ctx));
    controls_.push_back(ClockWatch::create(ctx));
    controls_.push_back(SoftwareControl::create(ctx));
    controls_.push_back(UsbControl::create(ctx));
}

Controls::~Controls() = default;

bool Controls::apply(const mamori::v1::Policy& policy, std::string& why) {
    for (auto& c : controls_) {
        std::string reason;
        if (!c->check(policy, reason)) {
            why = std::string(c->name()) + ": " + reason;
            return false;
        }
    }
    for (auto& c : controls_) c->apply(policy);
    notice_->setHelpdesk(policy.helpdesk());
    // Each control skips them at every decision; the log says so once per policy.
    ExceptionScope(terminal_id_, policy).logIgnored(policy);
    return true;
}

void Controls::warm() {
    for (auto& c : controls_) c->warm();
}

}  // namespace mamori::agent
