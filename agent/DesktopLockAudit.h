#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "agent/EventSink.h"
#include "mamori/platform/CommandRunner.h"

namespace mamori::agent {

// Audits GNOME's own lock (org.gnome.desktop.session idle-delay, org.gnome.desktop.screensaver
// lock-enabled and lock-delay) against the policy and reports SCREEN_LOCK_SETTING_WEAK when the
// desktop would lock later than the policy or never. The values are read with `gsettings` as
// the agent sees them: the system defaults and the administrator's dconf locks, which is where
// a city sets them for all its users. Without gsettings or the GNOME schemas, nothing is audited.
class DesktopLockAudit {
public:
    DesktopLockAudit(mamori::platform::CommandRunner& runner, EventSink& sink);
    ~DesktopLockAudit();

    void run(std::chrono::seconds threshold);

    // `gsettings get` prints "uint32 300" or "true"; these read that output (stderr included,
    // which may carry warnings) and nothing else.
    static std::optional<uint32_t> parseUint32(std::string_view output);
    static std::optional<bool> parseBool(std::string_view output);

private:
    struct Reading;
    void read(std::shared_ptr<Reading> r, size_t index);
    void judge(const Reading& r);

    mamori::platform::CommandRunner& runner_;
    EventSink& sink_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mamori::agent
