#include "agent/ClockWatch.h"

#include "mamori/common/Log.h"

namespace mamori::agent {

namespace {
constexpr uint32_t kDefaultToleranceSeconds = 60;
}

ClockWatch::ClockWatch(ControlContext ctx, std::unique_ptr<mamori::platform::WallAlarm> alarm)
    : ctx_(ctx), alarm_(std::move(alarm)) {}

ClockWatch::~ClockWatch() = default;

std::unique_ptr<ClockWatch> ClockWatch::create(ControlContext ctx) {
    return std::make_unique<ClockWatch>(ctx, mamori::platform::wallAlarm(ctx.executor, ctx.clock));
}

void ClockWatch::apply(const mamori::v1::Policy& policy) {
    uint32_t seconds = policy.reporting().clock_tolerance_seconds();
    tolerance_us_ = static_cast<int64_t>(seconds ? seconds : kDefaultToleranceSeconds) * 1'000'000;
    checkNow();
}

void ClockWatch::checkNow() {
    auto sync = ctx_.clock.syncState();
    bool trusted = sync.synchronized && sync.estimated_error_us <= tolerance_us_;
    if (!trusted && trusted_ != false) {
        mamori::v1::EventBody b;
        b.set_type(mamori::v1::CLOCK_UNSYNCED);
        b.set_control(mamori::v1::AGENT);
        b.set_violation(true);
        auto* d = b.mutable_clock();
        d->set_synchronized(sync.synchronized);
        d->set_estimated_error_us(sync.estimated_error_us);
        ctx_.sink.emit(std::move(b));
        Log::warn(sync.synchronized ? "clock: estimated error " + std::to_string(sync.estimated_error_us / 1000) +
                                          " ms exceeds the tolerance: event times are not evidence-grade"
                                    : "clock: not synchronised (no time service disciplines it): "
                                      "event times are not evidence-grade");
    } else if (trusted && trusted_ == false) {
        Log::info("clock: synchronised again");
    }
    trusted_ = trusted;
    auto now = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ctx_.clock.utcNs())));
    alarm_->at(now + kCheckInterval, [this, alive = std::weak_ptr<int>(alive_)](auto) {
        if (alive.lock()) checkNow();
    });
}

}  // namespace mamori::agent
