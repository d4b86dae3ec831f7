#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/WeakLockSettings.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/UserDesktop.h"

namespace mamori::agent {

// Audits GNOME's own lock (org.gnome.desktop.session idle-delay, org.gnome.desktop.screensaver
// lock-enabled and lock-delay) against the policy. The values are those of each logged-on
// user, read with `gsettings` run as that user with their home: their own dconf database over
// the system defaults and the administrator's dconf locks (where a city sets them for all its
// users). With nobody logged on, the defaults as the agent sees them. Without gsettings or the
// GNOME schemas, nothing is audited.
//
// Each finding goes to WeakLockSettings, keyed by the desktop's user (its display, or
// "defaults", where there is none): SCREEN_LOCK_SETTING_WEAK when the desktop would lock later
// than the policy or never, once, and again only when its weak setting changes;
// SCREEN_LOCK_SETTING_OK once when a desktop so reported locks within the policy again.
class DesktopLockAudit {
public:
    DesktopLockAudit(mamori::platform::CommandRunner& runner, WeakLockSettings& findings);
    ~DesktopLockAudit();

    // One audit per desktop; with none, one of the system's defaults.
    void run(std::chrono::seconds threshold, const std::vector<mamori::platform::UserDesktop>& desktops);

    struct Settings {
        uint32_t idle_delay = 0;  // seconds without input before the session counts as idle; 0: never
        bool lock_enabled = true;
        uint32_t lock_delay = 0;  // seconds from idle (the screen blanking) to the lock
    };
    struct Weakness {
        std::string setting;   // what is wrong, as the event reports it
        uint64_t seconds = 0;  // when the desktop would lock; 0 when it never would
        friend bool operator==(const Weakness&, const Weakness&) = default;
    };
    // nullopt when the desktop locks within the threshold.
    static std::optional<Weakness> judge(const Settings& s, std::chrono::seconds threshold);
    // The key of a desktop's finding: its user, else its display, else "defaults".
    static std::string key(const mamori::platform::UserDesktop& desktop);

    // `gsettings get` prints "uint32 300" or "true"; these read that output (stderr included,
    // which may carry warnings) and nothing else.
    static std::optional<uint32_t> parseUint32(std::string_view output);
    static std::optional<bool> parseBool(std::string_view output);

private:
    struct Reading;
    void read(std::shared_ptr<Reading> r, size_t index);
    void finish(const Reading& r);

    mamori::platform::CommandRunner& runner_;
    WeakLockSettings& findings_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mamori::agent
