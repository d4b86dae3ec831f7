#pragma once
#include <memory>
#include <optional>

#include "agent/Control.h"
#include "agent/ControlContext.h"
#include "mamori/platform/WallAlarm.h"

namespace mamori::agent {

// Events are evidence only if their times can be trusted (000:135, 004:1047). Reports
// CLOCK_UNSYNCED once each time the kernel says the clock is not synchronised (no time service
// disciplines it), and logs when it recovers. The kernel's error estimate is carried in the
// event for information only: how far the clock is off is measured by the collector at each
// sync and judged there against reporting.clock_tolerance_seconds. The kernel has no
// notification for a change of NTP state, so the state is read at start, at every policy, at
// every wall-clock step and otherwise every kCheckInterval.
class ClockWatch final : public Control {
public:
    static constexpr auto kCheckInterval = std::chrono::minutes(10);

    ClockWatch(ControlContext ctx, std::unique_ptr<mamori::platform::WallAlarm> alarm);
    ~ClockWatch() override;
    static std::unique_ptr<ClockWatch> create(ControlContext ctx);

    const char* name() const override { return "clock"; }
    bool check(const mamori::v1::Policy&, std::string&) override { return true; }
    void apply(const mamori::v1::Policy& policy) override;

private:
    void checkNow();

    ControlContext ctx_;
    std::unique_ptr<mamori::platform::WallAlarm> alarm_;
    std::optional<bool> synchronized_;  // unknown until the first check
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mamori::agent
