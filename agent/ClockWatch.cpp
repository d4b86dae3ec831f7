#include "agent/ClockWatch.h"

#include "mamori/common/Log.h"

namespace mamori::agent {

ClockWatch::ClockWatch(ControlContext ctx, std::unique_ptr<mamori::platform::WallAlarm> alarm)
    : ctx_(ctx), alarm_(std::move(alarm)) {}

ClockWatch::~ClockWatch() = default;

std::unique_ptr<ClockWatch> ClockWatch::create(ControlContext ctx) {
    return std::make_unique<ClockWatch>(ctx, mamori::platform::wallAlarm(ctx.executor, ctx.clock));
}

void ClockWatch::apply(const mamori::v1::Policy&) { checkNow(); }

void ClockWatch::checkNow() {
    const auto sync = ctx_.clock.syncState();
    if (!sync.synchronized && synchronized_ != false) {
        mamori::v1::EventBody b;
        b.set_type(mamori::v1::CLOCK_UNSYNCED);
        b.set_control(mamori::v1::AGENT);
        b.set_violation(true);
        auto* d = b.mutable_clock();
        d->set_synchronized(sync.synchronized);
        d->set_estimated_error_us(sync.estimated_error_us);
        ctx_.sink.emit(std::move(b));
        Log::warn("clock: not synchronised (no time service disciplines it): event times are not evidence-grade / "
                  "時計が同期されていません（時刻同期サービスが動いていません）。イベントの時刻は証跡として扱えません");
    } else if (sync.synchronized && synchronized_ == false) {
        Log::info("clock: synchronised again / 時計の同期が回復しました");
    }
    synchronized_ = sync.synchronized;
    auto now = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ctx_.clock.utcNs())));
    alarm_->at(now + kCheckInterval, [this, alive = std::weak_ptr<int>(alive_)](auto) {
        if (alive.lock()) checkNow();
    });
}

}  // namespace mamori::agent
