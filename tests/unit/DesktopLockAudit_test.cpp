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
