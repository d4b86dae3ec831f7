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

// -- findings over time: a weak setting is a standing condition, reported when it begins or
// changes and when it ends, never again at every audit nor at a restart.

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <fstream>
#include <map>

#include "agent/WeakLockSettings.h"
#include "fakes/ManualClock.h"
#include "fakes/RecordingCommandRunner.h"
#include "tests/support/JournalProbe.h"

namespace {

namespace v1 = mamori::v1;
using mamori::agent::WeakLockSettings;
using mamori::platform::UserDesktop;

class DesktopLockFindings : public ::testing::Test {
protected:
    void SetUp() override {
        // The audit looks for gsettings on PATH before it asks; the fake runner answers for it.
        std::filesystem::create_directories(probe_.dir() / "bin");
        std::ofstream(probe_.dir() / "bin/gsettings") << "#!/bin/sh\nexit 1\n";
        std::filesystem::permissions(probe_.dir() / "bin/gsettings", std::filesystem::perms::owner_all);
        const char* path = std::getenv("PATH");
        saved_path_ = path ? path : "";
        ::setenv("PATH", (probe_.dir() / "bin").c_str(), 1);
        runner_.answer = [this](const auto& call) {
            std::string user = "defaults";
            for (const auto& e : call.env)
                if (e.starts_with("USER=")) user = e.substr(5);
            const Settings& s = settings_[user];
            const std::string& key = call.argv.back();
            if (key == "idle-delay") return Result{0, "uint32 " + std::to_string(s.idle_delay) + "\n"};
            if (key == "lock-enabled") return Result{0, s.lock_enabled ? "true\n" : "false\n"};
            return Result{0, "uint32 " + std::to_string(s.lock_delay) + "\n"};
        };
    }
    void TearDown() override { ::setenv("PATH", saved_path_.c_str(), 1); }

    using Result = mamori::platform::CommandRunner::Result;

    static UserDesktop desktop(const std::string& user) {
        UserDesktop d;
        d.user = user;
        d.display = ":0";
        d.env = {"USER=" + user};
        return d;
    }
    // One audit by a freshly started agent: what it knows comes from the state directory.
    void audit(const std::vector<UserDesktop>& desktops) {
        WeakLockSettings findings(probe_.sink(), probe_.dir() / "state");
        DesktopLockAudit(runner_, findings).run(kPolicy, desktops);
    }
    std::vector<v1::EventBody> weak() const { return probe_.events(v1::SCREEN_LOCK_SETTING_WEAK); }
    std::vector<v1::EventBody> ok() const { return probe_.events(v1::SCREEN_LOCK_SETTING_OK); }

    mamori::test::ManualClock clock_;
    mamori::test::JournalProbe probe_{clock_};
    mamori::test::RecordingCommandRunner runner_;
    std::map<std::string, Settings> settings_;
    std::string saved_path_;
};

}  // namespace

TEST_F(DesktopLockFindings, WeakDesktopIsReportedOnceNotAtEveryAuditOrRestart) {
    settings_["sato"] = Settings{900, true, 30};
    audit({desktop("sato")});
    audit({desktop("sato")});
    audit({desktop("sato")});
    auto events = weak();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].control(), v1::SCREEN_LOCK);
    EXPECT_TRUE(events[0].violation());
    EXPECT_EQ(events[0].outcome(), v1::REPORTED);
    EXPECT_EQ(events[0].screen().display(), ":0");
    EXPECT_EQ(events[0].screen().setting(), "gnome idle-delay 900 s + lock-delay 30 s (user sato)");
    EXPECT_EQ(events[0].screen().setting_seconds(), 930u);
    EXPECT_TRUE(ok().empty());
}

TEST_F(DesktopLockFindings, ChangedWeakSettingIsReportedAgain) {
    settings_["sato"] = Settings{900, true, 0};
    audit({desktop("sato")});
    settings_["sato"] = Settings{0, true, 0};
    audit({desktop("sato")});
    audit({desktop("sato")});
    auto events = weak();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].screen().setting(), "gnome org.gnome.desktop.session idle-delay=0 (never) (user sato)");
}

TEST_F(DesktopLockFindings, DesktopThatLocksInTimeAgainIsReportedOkOnce) {
    settings_["sato"] = Settings{60, false, 0};
    audit({desktop("sato")});
    settings_["sato"] = Settings{240, true, 60};
    audit({desktop("sato")});
    audit({desktop("sato")});
    auto closed = ok();
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].control(), v1::SCREEN_LOCK);
    EXPECT_FALSE(closed[0].violation());
    EXPECT_EQ(closed[0].rule_id(), "screen_lock.setting");
    EXPECT_EQ(closed[0].screen().display(), ":0");
    EXPECT_EQ(closed[0].screen().setting(), "gnome idle-delay 240 s + lock-delay 60 s (user sato)");
    EXPECT_EQ(closed[0].screen().setting_seconds(), 300u);

    settings_["sato"] = Settings{60, false, 0};  // switched off again: a new condition
    audit({desktop("sato")});
    EXPECT_EQ(weak().size(), 2u);
}

TEST_F(DesktopLockFindings, DesktopNeverWeakIsNeverReported) {
    settings_["ito"] = Settings{240, true, 60};
    audit({desktop("ito")});
    EXPECT_TRUE(probe_.events().empty());
}

TEST_F(DesktopLockFindings, EachUserAndTheDefaultsAreTheirOwnCondition) {
    settings_["sato"] = Settings{900, true, 0};
    settings_["kato"] = Settings{900, true, 0};
    settings_["defaults"] = Settings{0, true, 0};
    audit({desktop("sato"), desktop("kato")});
    audit({});  // nobody logged on: the defaults as the agent sees them
    ASSERT_EQ(weak().size(), 3u);
    EXPECT_EQ(weak()[2].screen().setting(), "gnome org.gnome.desktop.session idle-delay=0 (never)");
    EXPECT_EQ(weak()[2].screen().display(), "");

    settings_["kato"] = Settings{300, true, 0};  // kato fixes theirs; sato's stays weak
    audit({desktop("sato"), desktop("kato")});
    ASSERT_EQ(ok().size(), 1u);
    EXPECT_NE(ok()[0].screen().setting().find("(user kato)"), std::string::npos);
    EXPECT_EQ(weak().size(), 3u);
}

TEST_F(DesktopLockFindings, KeyIsTheUserElseTheDisplayElseTheDefaults) {
    UserDesktop d;
    EXPECT_EQ(DesktopLockAudit::key(d), "defaults");
    d.display = ":1";
    EXPECT_EQ(DesktopLockAudit::key(d), ":1");
    d.user = "sato";
    EXPECT_EQ(DesktopLockAudit::key(d), "sato");
}
