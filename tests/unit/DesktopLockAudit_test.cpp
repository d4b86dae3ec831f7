#include <gtest/gtest.h>

#include "agent/DesktopLockAudit.h"

using mamori::agent::DesktopLockAudit;

TEST(DesktopLockAudit, ReadsGsettingsNumbers) {
    EXPECT_EQ(DesktopLockAudit::parseUint32("uint32 300\n"), 300u);
    EXPECT_EQ(DesktopLockAudit::parseUint32("0\n"), 0u);
    EXPECT_EQ(DesktopLockAudit::parseUint32("uint32 4294967295"), 4294967295u);
}

TEST(DesktopLockAudit, SkipsWarningLinesAroundTheValue) {
    EXPECT_EQ(DesktopLockAudit::parseUint32("(process:12): dconf-WARNING **: unable to open\nuint32 600\n"), 600u);
    EXPECT_EQ(DesktopLockAudit::parseBool("(gsettings:1): GLib-GIO-WARNING: x\r\nfalse\r\n"), false);
}

TEST(DesktopLockAudit, RefusesWhatIsNotAValue) {
    EXPECT_EQ(DesktopLockAudit::parseUint32("uint32 4294967296"), std::nullopt);
    EXPECT_EQ(DesktopLockAudit::parseUint32("uint32 -5"), std::nullopt);
    EXPECT_EQ(DesktopLockAudit::parseUint32("No such schema “org.gnome.desktop.session”"), std::nullopt);
    EXPECT_EQ(DesktopLockAudit::parseUint32(""), std::nullopt);
    EXPECT_EQ(DesktopLockAudit::parseBool("True"), std::nullopt);
    EXPECT_EQ(DesktopLockAudit::parseBool("truest"), std::nullopt);
}

namespace {
using Settings = DesktopLockAudit::Settings;
using namespace std::chrono_literals;
constexpr auto kPolicy = std::chrono::seconds(300);  // lock after 5 minutes
}  // namespace

TEST(DesktopLockAudit, LockSwitchedOffIsWeakWhateverTheDelays) {
    auto weak = DesktopLockAudit::judge(Settings{60, false, 0}, kPolicy);
    ASSERT_TRUE(weak);
    EXPECT_EQ(weak->setting, "gnome org.gnome.desktop.screensaver lock-enabled=false");
    EXPECT_EQ(weak->seconds, 0u) << "never locks";
}

TEST(DesktopLockAudit, IdleDelayZeroMeansTheDesktopNeverGoesIdle) {
    auto weak = DesktopLockAudit::judge(Settings{0, true, 0}, kPolicy);
    ASSERT_TRUE(weak);
    EXPECT_EQ(weak->setting, "gnome org.gnome.desktop.session idle-delay=0 (never)");
    EXPECT_EQ(weak->seconds, 0u);
}

TEST(DesktopLockAudit, IdleDelayLongerThanThePolicyIsWeak) {
    auto weak = DesktopLockAudit::judge(Settings{900, true, 0}, kPolicy);
    ASSERT_TRUE(weak);
    EXPECT_EQ(weak->setting, "gnome idle-delay 900 s + lock-delay 0 s");
    EXPECT_EQ(weak->seconds, 900u);
}

TEST(DesktopLockAudit, LockDelayCountsOnTopOfTheIdleDelay) {
    // Blank at 5 min is in time, but the lock comes a minute after the blank.
    auto weak = DesktopLockAudit::judge(Settings{300, true, 60}, kPolicy);
    ASSERT_TRUE(weak);
    EXPECT_EQ(weak->setting, "gnome idle-delay 300 s + lock-delay 60 s");
    EXPECT_EQ(weak->seconds, 360u);
}

TEST(DesktopLockAudit, LockWithinThePolicyIsNotReported) {
    EXPECT_EQ(DesktopLockAudit::judge(Settings{240, true, 60}, kPolicy), std::nullopt) << "exactly at the threshold";
    EXPECT_EQ(DesktopLockAudit::judge(Settings{60, true, 0}, kPolicy), std::nullopt);
}
