#include "agent/WeakLockSettings.h"

namespace mamori::agent {

namespace v1 = mamori::v1;

WeakLockSettings::WeakLockSettings(EventSink& sink, const std::filesystem::path& state_dir)
    : sink_(sink), ledger_(state_dir / "lock-settings-weak") {}

void WeakLockSettings::audited(const std::string& key, bool weak, const v1::ScreenDetails& setting) {
    const auto reported = ledger_.open().find(key);
    const bool was_weak = reported != ledger_.open().end();
    if (weak ? was_weak && reported->second == setting.setting() : !was_weak) return;
    v1::EventBody b;
    b.set_type(weak ? v1::SCREEN_LOCK_SETTING_WEAK : v1::SCREEN_LOCK_SETTING_OK);
    b.set_control(v1::SCREEN_LOCK);
    b.set_rule_id("screen_lock.setting");
    b.set_violation(weak);
    // Reported, not changed: the agent does not rewrite a user's desktop or display settings.
    if (weak) b.set_outcome(v1::REPORTED);
    *b.mutable_screen() = setting;
    sink_.emit(std::move(b));
    // After the event is journaled: a crash in between reports it again rather than never.
    if (weak) ledger_.set(key, setting.setting());
    else ledger_.erase(key);
}

}  // namespace mamori::agent
