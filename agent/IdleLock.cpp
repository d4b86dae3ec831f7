#include "agent/IdleLock.h"

#include "mamori/common/Log.h"

namespace mamori::agent {

namespace {
namespace v1 = mamori::v1;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

// Two readings of the same idle period differ by the time between the two queries, not more.
constexpr auto kSamePeriod = seconds(1);
constexpr auto kPastThreshold = milliseconds(5);
}  // namespace

IdleLock::IdleLock(boost::asio::any_io_executor executor, std::unique_ptr<mamori::platform::LocalDisplay> display,
                   EventSink& sink, mamori::platform::CommandRunner& runner, Settings settings)
    : executor_(executor),
      display_(std::move(display)),
      sink_(sink),
      runner_(runner),
      settings_(std::move(settings)),
      timer_(executor) {}

IdleLock::~IdleLock() {
    timer_.cancel();
    display_->cancelWait();
}

void IdleLock::start(Settings settings) {
    settings_ = std::move(settings);
    if (settings_.audit) audit();
    plan();
}

void IdleLock::plan() {
    timer_.cancel();
    display_->cancelWait();
    if (locking_) return;  // the lock command's completion continues the cycle
    auto idle = display_->idle();
    if (!idle) return;  // the display is gone; its owner hears of it through onClosed
    auto last_input = SteadyClock::now() - *idle;
    if (*idle < settings_.threshold) {
        // A few milliseconds past the threshold, so that the server's own millisecond
        // rounding does not make the next reading fall just short of it.
        timer_.expires_after(settings_.threshold - *idle + kPastThreshold);
        timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
            if (!ec && alive.lock()) plan();
        });
        return;
    }
    if (acted_on_ && last_input <= *acted_on_ + kSamePeriod) return sleepUntilInput();
    acted_on_ = last_input;
    act(*idle);
}

void IdleLock::act(milliseconds idle) {
    const std::string& name = display_->name();
    if (!settings_.enforce) {
        emit(v1::SCREEN_LOCK_OVERDUE, true, v1::MONITORED, idle, "idle", duration_cast<seconds>(settings_.threshold));
        return sleepUntilInput();
    }
    locking_ = true;
    settings_.command->run(executor_, runner_, name,
                           [this, idle, alive = std::weak_ptr<int>(alive_)](const LockCommand::Outcome& o) {
                               if (!alive.lock()) return;
                               locking_ = false;
                               auto threshold = duration_cast<seconds>(settings_.threshold);
                               if (o.locked) {
                                   emit(v1::SCREEN_LOCKED, false, v1::ENFORCED, idle, "idle", threshold);
                               } else {
                                   Log::warn("screen lock: " + display_->name() + ": " + o.detail);
                                   emit(v1::SCREEN_LOCK_OVERDUE, true, v1::OUTCOME_UNSPECIFIED, idle, o.detail, threshold);
                               }
                               sleepUntilInput();
                           });
}

void IdleLock::sleepUntilInput() {
    // Input that came while the lock command ran (the user was quicker than the locker) has
    // already started the next period: go on with it rather than wait for yet more input.
    auto idle = display_->idle();
    if (!idle) return;
    if (acted_on_ && SteadyClock::now() - *idle > *acted_on_ + kSamePeriod) return plan();
    bool waiting = display_->waitForInput([this, alive = std::weak_ptr<int>(alive_)] {
        if (alive.lock()) plan();
    });
    if (waiting) return;
    // A display that cannot report input is asked again one threshold later: if someone used
    // it since, its idle time is then below the threshold and a new cycle starts.
    timer_.expires_after(settings_.threshold);
    timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (!ec && alive.lock()) plan();
    });
}

void IdleLock::audit() {
    if (!settings_.findings) return;
    auto timeout = display_->screenSaverTimeout();
    if (!timeout) return;
    v1::ScreenDetails d;
    d.set_display(display_->name());
    d.set_setting(*timeout == seconds(0) ? "x11 screensaver: off" : "x11 screensaver timeout");
    d.set_setting_seconds(static_cast<uint32_t>(timeout->count()));
    const bool weak = *timeout == seconds(0) || *timeout > settings_.threshold;
    settings_.findings->audited("x11:" + display_->name(), weak, d);
}

void IdleLock::emit(v1::EventType type, bool violation, v1::Outcome outcome, milliseconds idle,
                    const std::string& setting, seconds setting_seconds) {
    v1::EventBody b;
    b.set_type(type);
    b.set_control(v1::SCREEN_LOCK);
    b.set_rule_id(type == v1::SCREEN_LOCK_SETTING_WEAK ? "screen_lock.setting" : "screen_lock.idle");
    b.set_violation(violation);
    b.set_outcome(outcome);
    auto* d = b.mutable_screen();
    d->set_display(display_->name());
    d->set_idle_seconds(static_cast<uint32_t>(duration_cast<seconds>(idle).count()));
    d->set_setting_seconds(static_cast<uint32_t>(setting_seconds.count()));
    d->set_setting(setting);
    sink_.emit(std::move(b));
}

}  // namespace mamori::agent
