#pragma once
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "agent/EventSink.h"
#include "agent/LockCommand.h"
#include "agent/WeakLockSettings.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/LocalDisplay.h"

namespace mamori::agent {

// The idle cycle of one display (離席時のロック, 004:583). It asks the display how long it has
// been idle and sleeps until the threshold would be reached; if there was input meanwhile it
// sleeps again for the remainder, otherwise it locks the display once (or, in monitor mode,
// reports the lock overdue) and then sleeps until the display reports the next input, which
// starts a new cycle. An idle display thus costs one wake-up per threshold at most, and a
// locked one none.
class IdleLock {
public:
    struct Settings {
        std::chrono::milliseconds threshold = std::chrono::minutes(5);
        bool enforce = true;
        bool audit = true;  // report the display's own screen saver when weaker than the threshold
        std::shared_ptr<const LockCommand> command;
        // Where the screen saver audit's findings go (keyed "x11:<display>"); none: not audited.
        std::shared_ptr<WeakLockSettings> findings;
    };

    IdleLock(boost::asio::any_io_executor executor, std::unique_ptr<mamori::platform::LocalDisplay> display,
             EventSink& sink, mamori::platform::CommandRunner& runner, Settings settings);
    ~IdleLock();

    // Audits the display's setting and starts (or, with new settings, restarts) the cycle.
    void start(Settings settings);
    void start() { start(settings_); }

    mamori::platform::LocalDisplay& display() { return *display_; }

private:
    void plan();
    void act(std::chrono::milliseconds idle);
    void sleepUntilInput();
    void audit();
    void emit(mamori::v1::EventType type, bool violation, mamori::v1::Outcome outcome, std::chrono::milliseconds idle,
              const std::string& setting, std::chrono::seconds setting_seconds);

    boost::asio::any_io_executor executor_;
    std::unique_ptr<mamori::platform::LocalDisplay> display_;
    EventSink& sink_;
    mamori::platform::CommandRunner& runner_;
    Settings settings_;
    boost::asio::steady_timer timer_;
    // The last input of the idle period already acted on: the same period is never acted on twice.
    std::optional<std::chrono::steady_clock::time_point> acted_on_;
    bool locking_ = false;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mamori::agent
