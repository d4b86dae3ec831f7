#include "collector/StandingCondition.h"

namespace mamori::collector {

namespace v1 = mamori::v1;

namespace {

std::string controlWord(v1::Control c) {
    switch (c) {
        case v1::USB: return "usb";
        case v1::HOURS: return "hours";
        case v1::SOFTWARE: return "software";
        case v1::SCREEN_LOCK: return "screen_lock";
        default: return "control " + std::to_string(static_cast<int>(c));
    }
}

// The desktop a lock-setting event is about: its user's settings, or the system defaults.
std::string desktopOf(const v1::EventBody& e) {
    const std::string& setting = e.screen().setting();
    // DesktopLockAudit writes "(user NAME)" at the end when the settings are a user's.
    const auto at = setting.rfind(" (user ");
    if (at != std::string::npos && setting.back() == ')') return setting.substr(at + 7, setting.size() - at - 8);
    return e.screen().display().empty() ? "defaults" : e.screen().display();
}

}  // namespace

std::optional<StandingCondition> StandingCondition::of(const v1::EventBody& e) {
    switch (e.type()) {
        case v1::SOFTWARE_UNAPPROVED_INSTALLED:
            return StandingCondition{"package:" + e.software().package(), v1::SOFTWARE, true,
                                     "unapproved package " + e.software().package() + " " + e.software().version() +
                                         " installed"};
        case v1::SOFTWARE_REMOVED:
        case v1::SOFTWARE_APPROVED:
            return StandingCondition{"package:" + e.software().package(), v1::SOFTWARE, false, {}};
        case v1::SCREEN_LOCK_SETTING_WEAK:
            return StandingCondition{"lock-setting:" + desktopOf(e), v1::SCREEN_LOCK, true,
                                     "desktop lock setting weaker than the policy: " + e.screen().setting()};
        case v1::SCREEN_LOCK_SETTING_OK:
            return StandingCondition{"lock-setting:" + desktopOf(e), v1::SCREEN_LOCK, false, {}};
        case v1::CONTROL_DISABLED_LOCALLY:
            return StandingCondition{"local:" + controlWord(e.control()), e.control(), true,
                                     controlWord(e.control()) + " control switched off on the terminal" +
                                         (e.agent().reason().empty() ? "" : ": " + e.agent().reason())};
        case v1::CONTROL_RESTORED_LOCALLY:
            return StandingCondition{"local:" + controlWord(e.control()), e.control(), false, {}};
        default: return std::nullopt;
    }
}

}  // namespace mamori::collector
