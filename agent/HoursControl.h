#pragma once
#include <functional>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/Control.h"
#include "agent/ControlContext.h"
#include "agent/DesktopNotification.h"
#include "agent/ExceptionScope.h"
#include "agent/FailedLogonLimit.h"
#include "agent/LockCommand.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/SessionMonitor.h"
#include "mamori/platform/WallAlarm.h"
#include "mamori/policy/OperatingCalendar.h"

namespace mamori::agent {

// Operating hours (運用時間, 000:129) and the logon record (000:122). Records every logon,
// logoff and failed logon, and reports a user whose failed logons reach the policy's limit
// within its window (002:886, LOGON_FAILURES_EXCEEDED; judged whenever failed logons are read,
// whatever the hours mode); a session that is active while the office is closed, whether it
// logged on then or was left on at closing, gets the policy's action: report, warn (a message
// to every terminal and on the session's desktop, then after the grace period the lock), lock,
// or log off. An approved extension
// (時間外利用の承認) for this terminal or its group suspends this until it expires, for its user's
// sessions only when it names one (ExceptionScope).
//
// Nothing is polled: one wall-clock alarm is set to the next instant anything can change
// (the calendar's next transition, an extension's expiry, a warning's grace period), and every
// wake-up, logon, logoff, policy or clock step re-decides from the present state.
class HoursControl final : public Control {
public:
    struct Platform {
        std::unique_ptr<mamori::platform::SessionMonitor> sessions;
        std::unique_ptr<mamori::platform::WallAlarm> alarm;
        std::unique_ptr<mamori::platform::CommandRunner> commands;
        // Writes a message to a text session's own terminal (platform::writeToSessionTerminal).
        std::function<bool(const std::string& line, const std::string& text)> tell_terminal;
    };

    HoursControl(ControlContext ctx, Platform platform);
    ~HoursControl() override;
    // With this terminal's utmp, btmp and commands, as configured.
    static std::unique_ptr<HoursControl> create(ControlContext ctx);

    const char* name() const override { return "hours"; }
    bool check(const mamori::v1::Policy& policy, std::string& why) override;
    void apply(const mamori::v1::Policy& policy) override;

    // The sessions it follows, for the notices other controls give (UserNotice).
    const mamori::platform::SessionMonitor& sessions() const { return *os_.sessions; }

    // When the control will next wake up by itself (for tests and the status report).
    std::optional<std::chrono::system_clock::time_point> nextWake() const { return next_wake_; }

private:
    enum class Phase { Allowed, Exempted, Warned, Acted };
    struct Tracked {
        mamori::platform::Session session;
        Phase phase = Phase::Allowed;
        std::chrono::system_clock::time_point grace_ends{};
    };

    void onSessionChange(const mamori::platform::SessionChange& change);
    void evaluate(const mamori::platform::Session* just_logged_on = nullptr);
    void act(Tracked& t, mamori::v1::HoursAction action, const std::string& rule);
    void lock(const mamori::platform::Session& s, const std::string& rule);
    const mamori::v1::PolicyException* extensionFor(const mamori::platform::Session& s, int64_t now_unix) const;
    void report(const mamori::platform::Session& s, mamori::v1::EventType type, bool violation,
                mamori::v1::Outcome outcome, const std::string& rule, const std::string& action,
                uint32_t failures = 0, uint32_t window_minutes = 0,
                const std::optional<Journal::Cursor>& cursor = std::nullopt);
    std::chrono::system_clock::time_point now() const;
    // The policy's failed-logon limit and window, or the defaults where it carries none.
    uint32_t failedLogonLimit() const;
    std::chrono::minutes failedLogonWindow() const;

    ControlContext ctx_;
    Platform os_;
    mamori::v1::Policy policy_;
    ExceptionScope scope_;  // this terminal and the policy's group: whose extensions apply here
    std::unique_ptr<mamori::policy::OperatingCalendar> calendar_;
    std::unique_ptr<LockCommand> lock_command_;
    DesktopNotification notification_;
    FailedLogonLimit failed_logons_;
    std::vector<Tracked> tracked_;
    std::optional<std::chrono::system_clock::time_point> next_wake_;
    bool started_ = false;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mamori::agent
