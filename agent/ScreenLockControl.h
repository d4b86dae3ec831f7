#pragma once
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/Control.h"
#include "agent/ControlContext.h"
#include "agent/DesktopLockAudit.h"
#include "agent/IdleLock.h"
#include "agent/WeakLockSettings.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/DisplayDirectory.h"
#include "mamori/platform/LocalDisplay.h"
#include "mamori/platform/SessionMonitor.h"
#include "mamori/platform/UserDesktop.h"

namespace mamori::agent {

// Screen lock when leaving the desk (004:583): one IdleLock per local display, each independent
// (its idle time from the X server, or from logind's idle hint where the agent cannot open it),
// for the displays this terminal is configured to watch (all of them by default), including
// those that start after the agent. Also audits the desktop's own lock setting, for each user
// logged on to a display and for each who logs on later, and each display's X11 screen saver:
// a weak one is a standing condition, reported when it begins or changes and when it ends
// (WeakLockSettings).
class ScreenLockControl final : public Control {
public:
    // Opens a display served by root or one of `owners`, and calls back on the reactor, later
    // (mamori::platform::openLocalDisplay).
    using OpenDisplay = std::function<void(const std::string& name, std::set<std::string> owners,
                                           mamori::platform::DisplayOpened done)>;
    struct Platform {
        std::unique_ptr<mamori::platform::DisplayDirectory> directory;
        OpenDisplay open;
        std::unique_ptr<mamori::platform::CommandRunner> commands;
        // The sessions on the displays: where the OS locks them itself (logind). Optional.
        std::unique_ptr<mamori::platform::SessionMonitor> sessions;
    };

    ScreenLockControl(ControlContext ctx, Platform platform);
    ~ScreenLockControl() override;
    static std::unique_ptr<ScreenLockControl> create(ControlContext ctx);

    const char* name() const override { return "screen_lock"; }
    bool check(const mamori::v1::Policy& policy, std::string& why) override;
    void apply(const mamori::v1::Policy& policy) override;

    std::set<std::string> watched() const;

    // Who may run the X server of `display` besides root: the users logged on to it. Where no
    // session names the display (a desktop that starts its own server does not always record
    // it), the users logged on at this terminal. Never a remote (ssh) user, nor an account
    // without a session: anyone may create a display's socket.
    static std::set<std::string> displayOwners(const std::vector<mamori::platform::Session>& sessions,
                                               const std::string& display);

private:
    void sync(const std::set<std::string>& present);
    std::chrono::seconds auditThreshold() const;
    // The desktops of these sessions' users, one per user: whose lock settings are audited.
    static std::vector<mamori::platform::UserDesktop> desktops(const std::vector<mamori::platform::Session>& sessions);
    void open(const std::string& display, int attempt);
    void opened(const std::string& display, int attempt, std::unique_ptr<mamori::platform::LocalDisplay> opened);
    // Opens the display again after a pause that doubles with each attempt, or gives it up.
    void retry(const std::string& display, int attempt);
    // The display seen through the OS's idle hint for the session on it, where there is one.
    std::unique_ptr<mamori::platform::LocalDisplay> sessionIdle(const std::string& display);
    void closed(std::string display);  // by value: erasing the display destroys the caller's copy

    ControlContext ctx_;
    Platform os_;
    std::shared_ptr<WeakLockSettings> weak_settings_;  // before the audits that report to it
    DesktopLockAudit desktop_audit_;
    IdleLock::Settings settings_;
    std::set<std::string> wanted_;   // the displays present that this terminal watches
    std::set<std::string> opening_;  // being connected to
    // Each watched display: its lock, and when and at which attempt it was opened.
    struct Watched {
        std::unique_ptr<IdleLock> lock;
        std::chrono::steady_clock::time_point opened_at;
        int attempt;
    };
    std::map<std::string, Watched> locks_;
    std::map<std::string, std::unique_ptr<boost::asio::steady_timer>> retries_;
    bool started_ = false;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mamori::agent
