// Which events open and which clear a standing condition, and under which key.
#include "collector/StandingCondition.h"

#include <gtest/gtest.h>

using mamori::collector::StandingCondition;
namespace v1 = mamori::v1;

namespace {

v1::EventBody event(v1::EventType type, v1::Control control = v1::CONTROL_UNSPECIFIED) {
    v1::EventBody b;
    b.set_type(type);
    b.set_control(control);
    return b;
}

}  // namespace

TEST(StandingCondition, APackageOpensWhenInstalledAndClearsWhenRemovedOrApproved) {
    auto installed = event(v1::SOFTWARE_UNAPPROVED_INSTALLED, v1::SOFTWARE);
    installed.mutable_software()->set_package("p2p-share");
    installed.mutable_software()->set_version("1.2");
    const auto open = StandingCondition::of(installed);
    ASSERT_TRUE(open);
    EXPECT_TRUE(open->open);
    EXPECT_EQ(open->key, "package:p2p-share");
    EXPECT_EQ(open->control, v1::SOFTWARE);
    EXPECT_EQ(open->reason, "unapproved package p2p-share 1.2 installed");
    for (auto type : {v1::SOFTWARE_REMOVED, v1::SOFTWARE_APPROVED}) {
        auto e = event(type);
        e.mutable_software()->set_package("p2p-share");
        const auto cleared = StandingCondition::of(e);
        ASSERT_TRUE(cleared);
        EXPECT_FALSE(cleared->open);
        EXPECT_EQ(cleared->key, open->key) << "the same condition, whatever the event's control";
    }
}

TEST(StandingCondition, ALockSettingIsTheUsersOrTheDisplaysDesktop) {
    auto weak = event(v1::SCREEN_LOCK_SETTING_WEAK, v1::SCREEN_LOCK);
    weak.mutable_screen()->set_display(":0");
    weak.mutable_screen()->set_setting("gnome idle-delay 900 s + lock-delay 0 s (user sato)");
    EXPECT_EQ(StandingCondition::of(weak)->key, "lock-setting:sato");
    auto ok = event(v1::SCREEN_LOCK_SETTING_OK, v1::SCREEN_LOCK);
    ok.mutable_screen()->set_display(":0");
    ok.mutable_screen()->set_setting("gnome idle-delay 300 s + lock-delay 0 s (user sato)");
    EXPECT_EQ(StandingCondition::of(ok)->key, "lock-setting:sato");
    EXPECT_FALSE(StandingCondition::of(ok)->open);
    auto defaults = event(v1::SCREEN_LOCK_SETTING_WEAK, v1::SCREEN_LOCK);
    defaults.mutable_screen()->set_setting("gnome org.gnome.desktop.session idle-delay=0 (never)");
    EXPECT_EQ(StandingCondition::of(defaults)->key, "lock-setting:defaults");
}

TEST(StandingCondition, AControlOffLocallyStandsUntilRestored) {
    auto off = event(v1::CONTROL_DISABLED_LOCALLY, v1::SOFTWARE);
    off.mutable_agent()->set_reason("software_control = off in /etc/mamori/agent.conf");
    const auto open = StandingCondition::of(off);
    ASSERT_TRUE(open);
    EXPECT_EQ(open->key, "local:software");
    EXPECT_EQ(open->control, v1::SOFTWARE);
    EXPECT_NE(open->reason.find("software_control = off"), std::string::npos);
    const auto restored = StandingCondition::of(event(v1::CONTROL_RESTORED_LOCALLY, v1::SOFTWARE));
    ASSERT_TRUE(restored);
    EXPECT_EQ(restored->key, "local:software");
    EXPECT_FALSE(restored->open);
}

TEST(StandingCondition, OtherEventsTouchNoCondition) {
    for (auto type : {v1::USB_BLOCKED, v1::HEARTBEAT, v1::HOURS_VIOLATION, v1::LOGON_FAILURES_EXCEEDED,
                      v1::SOFTWARE_UNAPPROVED_EXEC, v1::AGENT_STOPPING})
        EXPECT_FALSE(StandingCondition::of(event(type))) << type;
}
