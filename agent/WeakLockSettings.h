#pragma once
#include <filesystem>
#include <string>

#include "agent/ConditionLedger.h"
#include "agent/EventSink.h"
#include "mamori/v1/event.pb.h"

namespace mamori::agent {

// The lock settings reported weak and not yet seen within the policy again: a standing
// condition of one desktop (a user's GNOME settings) or display (its X11 screen saver), which the
// collector shows every day until it is closed. Each audit's finding is handed here;
// SCREEN_LOCK_SETTING_WEAK is journaled when a setting becomes weak or its weak value changes,
// SCREEN_LOCK_SETTING_OK when one reported weak locks within the policy; an audit that finds
// what was already reported journals nothing. A ledger in the state directory keeps them across
// restarts. One per agent, shared by everything that audits lock settings; on the reactor.
class WeakLockSettings {
public:
    WeakLockSettings(EventSink& sink, const std::filesystem::path& state_dir);

    // key names the desktop or display (never empty); setting says what the audit found.
    void audited(const std::string& key, bool weak, const mamori::v1::ScreenDetails& setting);

private:
    EventSink& sink_;
    ConditionLedger ledger_;  // key -> the weak setting reported (ScreenDetails.setting)
};

}  // namespace mamori::agent
