#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include "agent/HoursControl.h"
#include "fakes/ManualClock.h"
#include "fakes/ManualWallAlarm.h"
#include "fakes/RecordingCommandRunner.h"
#include "fakes/ScriptedSessionMonitor.h"
#include "tests/support/JournalProbe.h"

namespace {

namespace v1 = mamori::v1;
using mamori::agent::AgentConfig;
using mamori::agent::ControlContext;
using mamori::agent::HoursControl;
using mamori::platform::Session;
using mamori::platform::WallAlarm;
using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

TimePoint utc(int y, unsigned m, unsigned d, int h, int mi) {
    return date::sys_days{date::year{y} / date::month{m} / date::day{d}} + std::chrono::hours{h} +
           std::chrono::minutes{mi};
}
// Tokyo wall time (no DST there).
TimePoint jst(int y, unsigned m, unsigned d, int h, int mi) { return utc(y, m, d, h, mi) - 9h; }
int64_t unix(TimePoint t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }

const Session kDesk{"suzuki", ":0", ":0", 4100, 0, {}};       // a graphical logon on the terminal
const Session kShell{"tanaka", "pts/1", "10.1.2.3", 4200, 0, {}};  // a remote shell

class HoursControlTest : public ::testing::Test {
protected:
    HoursControlTest() {
        config_.state_dir = probe_.dir() / "state";
        make();
    }
    // A control as the agent starts it; again: the agent restarted.
    void make() {
        control_.reset();
        auto sessions = std::make_unique<mamori::test::ScriptedSessionMonitor>();
        auto alarm = std::make_unique<mamori::test::ManualWallAlarm>();
        auto commands = std::make_unique<mamori::test::RecordingCommandRunner>();
        sessions_ = sessions.get();
        alarm_ = alarm.get();
        commands_ = commands.get();
        control_ = std::make_unique<HoursControl>(ControlContext{io_.get_executor(), probe_.sink(), clock_, config_,
                                                                 {}, {}, "MN-012"},
                                                  HoursControl::Platform{std::move(sessions), std::move(alarm),
                                                                         std::move(commands),
                                                                         [this](const std::string& line,
                                                                                const std::string& text) {
                                                                             told_terminals_.push_back({line, text});
                                                                             return true;
                                                                         }});
    }

    // Mon-Fri 08:30-17:45 Asia/Tokyo, holidays and 年末年始 closed (000:129).
    static v1::Policy cityHall(v1::HoursAction action, v1::Mode mode = v1::ENFORCE) {
        v1::Policy p;
        auto* h = p.mutable_hours();
        h->set_mode(mode);
        h->set_time_zone("Asia/Tokyo");
        for (auto d : {v1::MONDAY, v1::TUESDAY, v1::WEDNESDAY, v1::THURSDAY, v1::FRIDAY}) h->add_weekdays(d);
        window(p, 8 * 60 + 30, 17 * 60 + 45);
        h->set_national_holidays_closed(true);
        h->set_year_end_closed(true);
        h->set_action(action);
        h->set_warn_grace_minutes(10);
        p.mutable_screen_lock()->set_lock_command("xset s activate");
        return p;
    }
    static void window(v1::Policy& p, uint32_t start, uint32_t end) {
        auto* w = p.mutable_hours()->add_windows();
        w->set_start_minute(start);
        w->set_end_minute(end);
    }
    // An extension approved for this terminal (MN-012), as the collector sends it.
    static v1::PolicyException& extension(v1::Policy& p, const std::string& id, const std::string& user,
                                          TimePoint expires) {
        auto* e = p.add_exceptions();
        e->set_id(id);
        e->set_control(v1::HOURS);
        e->set_terminal("MN-012");
        e->set_hours_extension(true);
        e->set_user(user);
        e->set_expires_unix(unix(expires));
        return *e;
    }

    void apply(const v1::Policy& p) {
        std::string why;
        ASSERT_TRUE(control_->check(p, why)) << why;
        control_->apply(p);
    }
    // Lets the wall clock run to the alarm and the alarm go off.
    void wake() {
        ASSERT_TRUE(alarm_->armed());
        clock_.runTo(*alarm_->when());
        alarm_->fire(WallAlarm::Wake::Due);
    }
    std::vector<v1::EventBody> violations() const { return probe_.events(v1::HOURS_VIOLATION); }

    boost::asio::io_context io_;
    mamori::test::ManualClock clock_;
    mamori::test::JournalProbe probe_{clock_};
    AgentConfig config_;
    mamori::test::ScriptedSessionMonitor* sessions_;
    mamori::test::ManualWallAlarm* alarm_;
    mamori::test::RecordingCommandRunner* commands_;
    std::vector<std::pair<std::string, std::string>> told_terminals_;  // (line, text) written to a session's terminal
    std::unique_ptr<HoursControl> control_;
};

TEST_F(HoursControlTest, LogonInsideHoursIsRecordedAndNothingElse) {
    clock_.set(jst(2025, 6, 10, 10, 0));  // a Tuesday
    apply(cityHall(v1::HOURS_LOCK));
    sessions_->logon(kShell);

    auto logons = probe_.events(v1::LOGON);
    ASSERT_EQ(logons.size(), 1u);
    EXPECT_EQ(logons[0].control(), v1::HOURS);
    EXPECT_EQ(logons[0].session().user(), "tanaka");
    EXPECT_EQ(logons[0].session().line(), "pts/1");
    EXPECT_EQ(logons[0].session().host(), "10.1.2.3");
    EXPECT_FALSE(logons[0].violation());
    EXPECT_TRUE(violations().empty());
    EXPECT_TRUE(commands_->calls.empty());
}

TEST_F(HoursControlTest, LogonOutsideHoursIsAViolationAndGetsTheAction) {
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(cityHall(v1::HOURS_LOCK));
    sessions_->logon(kDesk);

    auto v = violations();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_TRUE(v[0].violation());
    EXPECT_EQ(v[0].rule_id(), "hours.logon");
    EXPECT_EQ(v[0].outcome(), v1::ENFORCED);
    EXPECT_EQ(v[0].session().action(), "lock");
    ASSERT_EQ(commands_->calls.size(), 1u);
    EXPECT_EQ(commands_->calls[0].argv, (std::vector<std::string>{"/bin/sh", "-c", "xset s activate"}));
    EXPECT_EQ(commands_->calls[0].env, (std::vector<std::string>{"DISPLAY=:0"}));
}

TEST_F(HoursControlTest, NationalHolidayIsClosed) {
    clock_.set(jst(2025, 11, 3, 10, 0));  // 文化の日, a Monday
    apply(cityHall(v1::HOURS_REPORT));
    sessions_->logon(kShell);
    auto v = violations();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].outcome(), v1::MONITORED);
    EXPECT_EQ(v[0].session().action(), "report");
}

TEST_F(HoursControlTest, SessionLeftOnIsActedOnExactlyAtClosingAndReportedAgainNextEvening) {
    clock_.set(jst(2025, 6, 10, 17, 0));
    sessions_->existing(kShell);
    apply(cityHall(v1::HOURS_REPORT));
    EXPECT_TRUE(violations().empty());
    ASSERT_EQ(control_->nextWake(), jst(2025, 6, 10, 17, 45)) << "one alarm, at the transition";
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 10, 17, 45));

    wake();
    auto v = violations();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].rule_id(), "hours.closed");
    EXPECT_EQ(v[0].session().user(), "tanaka");
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 11, 8, 30)) << "nothing to do until the office opens";

    wake();  // open again: nothing to report
    EXPECT_EQ(violations().size(), 1u);
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 11, 17, 45));
    wake();
    EXPECT_EQ(violations().size(), 2u);
}

TEST_F(HoursControlTest, FridayClosingSleepsUntilMonday) {
    clock_.set(jst(2025, 6, 13, 17, 50));  // Friday evening
    apply(cityHall(v1::HOURS_REPORT));
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 16, 8, 30));
}

TEST_F(HoursControlTest, NightShiftAcrossMidnightIsOneOpenPeriod) {
    auto p = cityHall(v1::HOURS_REPORT);
    p.mutable_hours()->clear_windows();
    p.mutable_hours()->clear_weekdays();
    for (int d = 0; d < 7; ++d) p.mutable_hours()->add_weekdays(static_cast<v1::Weekday>(d));
    p.mutable_hours()->set_national_holidays_closed(false);
    window(p, 22 * 60, 24 * 60);
    window(p, 0, 6 * 60);
    clock_.set(jst(2025, 6, 10, 23, 30));
    sessions_->existing(kShell);
    apply(p);
    EXPECT_TRUE(violations().empty());
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 11, 6, 0)) << "midnight is not a transition";

    wake();
    ASSERT_EQ(violations().size(), 1u);
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 11, 22, 0));
}

TEST_F(HoursControlTest, DaylightSavingZoneUsesTheLocalClockOnBothSidesOfTheChange) {
    auto p = cityHall(v1::HOURS_REPORT);
    p.mutable_hours()->set_time_zone("Europe/Berlin");
    p.mutable_hours()->set_national_holidays_closed(false);
    p.mutable_hours()->clear_windows();
    window(p, 8 * 60, 17 * 60);
    // Friday 2025-03-28, CET (UTC+1): closes 16:00 UTC.
    clock_.set(utc(2025, 3, 28, 9, 0));
    sessions_->existing(kShell);
    apply(p);
    EXPECT_EQ(alarm_->when(), utc(2025, 3, 28, 16, 0));
    wake();
    ASSERT_EQ(violations().size(), 1u);
    // Clocks go forward on Sunday 2025-03-30: Monday opens 08:00 CEST = 06:00 UTC, closes 15:00 UTC.
    EXPECT_EQ(alarm_->when(), utc(2025, 3, 31, 6, 0));
    wake();
    EXPECT_EQ(alarm_->when(), utc(2025, 3, 31, 15, 0));
    wake();
    EXPECT_EQ(violations().size(), 2u);
}

TEST_F(HoursControlTest, ClockSetBackReopensAndTheClosingIsEnforcedAgain) {
    clock_.set(jst(2025, 6, 10, 18, 0));
    sessions_->existing(kShell);
    apply(cityHall(v1::HOURS_REPORT));
    ASSERT_EQ(violations().size(), 1u);

    clock_.set(jst(2025, 6, 10, 17, 0));  // someone sets the clock back an hour
    alarm_->fire(WallAlarm::Wake::ClockChanged);
    EXPECT_EQ(violations().size(), 1u);
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 10, 17, 45)) << "re-armed for the closing it now has ahead";
    wake();
    EXPECT_EQ(violations().size(), 2u);
}

TEST_F(HoursControlTest, ClockSetForwardPastClosingActsAtOnce) {
    clock_.set(jst(2025, 6, 10, 12, 0));
    sessions_->existing(kShell);
    apply(cityHall(v1::HOURS_REPORT));
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 10, 17, 45));

    clock_.set(jst(2025, 6, 10, 19, 0));
    alarm_->fire(WallAlarm::Wake::ClockChanged);
    ASSERT_EQ(violations().size(), 1u);
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 11, 8, 30));
}

TEST_F(HoursControlTest, ExtensionExemptsItsUserUntilItExpiresByItself) {
    auto p = cityHall(v1::HOURS_LOGOFF);
    extension(p, "ext-2025-0042", "tanaka", jst(2025, 6, 10, 19, 0));
    clock_.set(jst(2025, 6, 10, 17, 0));
    sessions_->existing(kShell);
    sessions_->existing(kDesk);
    apply(p);

    wake();  // 17:45
    auto v = violations();
    ASSERT_EQ(v.size(), 2u);
    for (const auto& e : v) {
        if (e.session().user() == "tanaka") {
            EXPECT_FALSE(e.violation());
            EXPECT_EQ(e.outcome(), v1::EXEMPTED);
            EXPECT_EQ(e.rule_id(), "ext-2025-0042");
        } else {
            EXPECT_TRUE(e.violation());
            EXPECT_EQ(e.session().action(), "logoff");
        }
    }
    ASSERT_EQ(sessions_->logged_off.size(), 1u);
    EXPECT_EQ(sessions_->logged_off[0].user, "suzuki");
    sessions_->logout(kDesk, unix(clock_.now()));
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 10, 19, 0)) << "woken by the expiry, not by polling";

    wake();  // 19:00: the extension has expired
    v = violations();
    ASSERT_EQ(v.size(), 3u);
    EXPECT_TRUE(v[2].violation());
    EXPECT_EQ(v[2].session().user(), "tanaka");
    EXPECT_EQ(v[2].session().action(), "logoff");
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 11, 8, 30));
}

TEST_F(HoursControlTest, ExtensionWithoutUserCoversEveryone) {
    auto p = cityHall(v1::HOURS_REPORT);
    extension(p, "ext-all", "", jst(2025, 6, 10, 21, 0));
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(p);
    sessions_->logon(kShell);
    sessions_->logon(kDesk);
    for (const auto& e : violations()) EXPECT_EQ(e.outcome(), v1::EXEMPTED);
    EXPECT_EQ(violations().size(), 2u);
}

// Regression: lgwan.yaml's extension for 税務課 reached every terminal the profile was pushed to,
// and the agent honoured it on each. Only this terminal's own and its group's apply.
TEST_F(HoursControlTest, AnExtensionForAnotherTerminalOrGroupIsIgnored) {
    auto p = cityHall(v1::HOURS_REPORT);
    p.set_group("市民課");
    extension(p, "ext-other-terminal", "", jst(2025, 6, 10, 20, 30)).set_terminal("MN-013");
    auto& zeimu = extension(p, "ext-zeimu", "", jst(2025, 6, 10, 20, 40));
    zeimu.clear_terminal();
    zeimu.set_group("税務課");
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(p);
    sessions_->logon(kShell);
    ASSERT_EQ(violations().size(), 1u);
    EXPECT_TRUE(violations()[0].violation());
    EXPECT_EQ(violations()[0].rule_id(), "hours.logon");
    // Their expiries are nothing to wake up for here.
    ASSERT_TRUE(alarm_->when());
    EXPECT_GT(*alarm_->when(), jst(2025, 6, 10, 21, 0));

    // The same extension for this terminal's own group applies.
    sessions_->logout(kShell, unix(clock_.now()));
    p.set_group("税務課");
    apply(p);
    sessions_->logon(kShell);
    ASSERT_EQ(violations().size(), 2u);
    EXPECT_EQ(violations()[1].outcome(), v1::EXEMPTED);
    EXPECT_EQ(violations()[1].rule_id(), "ext-zeimu");
}

TEST_F(HoursControlTest, AnExtensionForAUserCoversOnlyThatUsersLogons) {
    auto p = cityHall(v1::HOURS_REPORT);
    extension(p, "ext-tanaka", "tanaka", jst(2025, 6, 10, 21, 0));
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(p);
    sessions_->logon(kDesk);   // suzuki
    sessions_->logon(kShell);  // tanaka
    const auto v = violations();
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].session().user(), "suzuki");
    EXPECT_TRUE(v[0].violation());
    EXPECT_EQ(v[1].session().user(), "tanaka");
    EXPECT_EQ(v[1].outcome(), v1::EXEMPTED);
    EXPECT_EQ(v[1].rule_id(), "ext-tanaka");
}

TEST_F(HoursControlTest, ExpiredExtensionIsIgnored) {
    auto p = cityHall(v1::HOURS_REPORT);
    extension(p, "ext-old", "tanaka", jst(2025, 6, 9, 21, 0));
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(p);
    sessions_->logon(kShell);
    ASSERT_EQ(violations().size(), 1u);
    EXPECT_TRUE(violations()[0].violation());
}

TEST_F(HoursControlTest, WarnThenLockWhenTheGracePeriodEnds) {
    clock_.set(jst(2025, 6, 10, 17, 0));
    sessions_->existing(kDesk);
    apply(cityHall(v1::HOURS_WARN));
    wake();  // 17:45

    // suzuki is no user of this system: no desktop to reach, so the warning goes to the session's
    // own line; nothing is broadcast (no wall unless agent.conf names a warn_command).
    EXPECT_TRUE(commands_->calls.empty());
    ASSERT_EQ(told_terminals_.size(), 1u);
    EXPECT_EQ(told_terminals_[0].first, ":0");
    EXPECT_NE(told_terminals_[0].second.find("10 minutes"), std::string::npos);
    auto v = violations();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].session().action(), "warn, lock at 2025-06-10 17:55");
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 10, 17, 55));

    wake();
    ASSERT_EQ(commands_->calls.size(), 1u);
    EXPECT_EQ(commands_->calls[0].argv.back(), "xset s activate");
    v = violations();
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[1].rule_id(), "hours.after_warning");
    EXPECT_EQ(v[1].session().action(), "lock");
    EXPECT_EQ(alarm_->when(), jst(2025, 6, 11, 8, 30));
}

TEST_F(HoursControlTest, FailedLockIsReportedAsSuch) {
    commands_->exit_code = 127;
    commands_->output = "sh: 1: xset: not found\n";
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(cityHall(v1::HOURS_LOCK));
    sessions_->logon(kDesk);
    auto v = violations();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].outcome(), v1::OUTCOME_UNSPECIFIED);
    EXPECT_EQ(v[0].session().action(), "lock: lock command failed (exit 127): sh: 1: xset: not found");
}

TEST_F(HoursControlTest, TextSessionCannotBeLockedAndSaysSo) {
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(cityHall(v1::HOURS_LOCK));
    sessions_->logon(kShell);
    auto v = violations();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].outcome(), v1::MONITORED);
    EXPECT_EQ(v[0].session().action(), "lock: not possible for a text session");
    EXPECT_TRUE(commands_->calls.empty());
}

TEST_F(HoursControlTest, MonitorModeDecidesAndReportsButChangesNothing) {
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(cityHall(v1::HOURS_LOGOFF, v1::MONITOR));
    sessions_->logon(kDesk);
    auto v = violations();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].outcome(), v1::MONITORED);
    EXPECT_EQ(v[0].session().action(), "logoff");
    EXPECT_TRUE(sessions_->logged_off.empty());
    EXPECT_TRUE(commands_->calls.empty());
}

TEST_F(HoursControlTest, LogoffAndFailedLogonAreRecorded) {
    clock_.set(jst(2025, 6, 10, 10, 0));
    apply(cityHall(v1::HOURS_REPORT));
    sessions_->logon(kShell);
    sessions_->logout(kShell, unix(clock_.now()));
    Session attempt{"root", "ssh:notty", "203.0.113.9", 0, 0, {}};
    sessions_->failed(attempt, unix(jst(2025, 6, 10, 9, 59)));

    EXPECT_EQ(probe_.events(v1::LOGOFF).size(), 1u);
    auto failed = probe_.events(v1::LOGON_FAILED);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].session().user(), "root");
    EXPECT_EQ(failed[0].session().host(), "203.0.113.9");
    EXPECT_EQ(failed[0].session().session_start_unix(), unix(jst(2025, 6, 10, 9, 59)));
    EXPECT_EQ(probe_.sink().cursor("btmp"), std::nullopt) << "no position came with it";
}

// btmp's position after the attempt is journaled with its LOGON_FAILED, in one transaction.
TEST_F(HoursControlTest, AFailedLogonIsJournaledWithBtmpsPositionAfterIt) {
    clock_.set(jst(2025, 6, 10, 10, 0));
    apply(cityHall(v1::HOURS_REPORT));
    Session attempt{"root", "ssh:notty", "203.0.113.9", 0, 0, {}};
    sessions_->failed(attempt, unix(jst(2025, 6, 10, 9, 59)), "2049 77 384 2");
    ASSERT_EQ(probe_.events(v1::LOGON_FAILED).size(), 1u);
    EXPECT_EQ(probe_.sink().cursor("btmp"), "2049 77 384 2");
    sessions_->failed(attempt, unix(jst(2025, 6, 10, 9, 59)), "2049 77 768 3");
    EXPECT_EQ(probe_.sink().cursor("btmp"), "2049 77 768 3");
}

TEST_F(HoursControlTest, LockIsAskedOfTheOsWhereItLocksSessionsItself) {
    sessions_->lockable = true;  // logind: LockSession
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(cityHall(v1::HOURS_LOCK));
    sessions_->logon(kDesk);
    ASSERT_EQ(sessions_->locked.size(), 1u);
    EXPECT_EQ(sessions_->locked[0], kDesk);
    EXPECT_TRUE(commands_->calls.empty()) << "the lock command is not run as well";
    auto v = violations();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].outcome(), v1::ENFORCED);
    EXPECT_EQ(v[0].session().action(), "lock");
}

TEST_F(HoursControlTest, WarningAlsoGoesToTheDesktopOfAGraphicalSession) {
    // A user this system knows: the notification runs as them (here: as the test itself).
    const Session me{getpwuid(geteuid())->pw_name, ":0", ":0", 4300, 0, {}};
    clock_.set(jst(2025, 6, 10, 20, 0));
    apply(cityHall(v1::HOURS_WARN));
    sessions_->logon(me);
    ASSERT_EQ(commands_->calls.size(), 1u);
    const auto& notify = commands_->calls[0];
    ASSERT_GE(notify.argv.size(), 3u);
    EXPECT_EQ(notify.argv[0], "notify-send");
    EXPECT_EQ(notify.argv[notify.argv.size() - 2], "mamori: 運用時間外です / Outside operating hours");
    EXPECT_NE(notify.argv.back().find("locked in 10 minutes"), std::string::npos);
    EXPECT_NE(std::find(notify.env.begin(), notify.env.end(), "DISPLAY=:0"), notify.env.end());

    EXPECT_TRUE(told_terminals_.empty());

    // A remote shell has no desktop: its own terminal is written to, and nothing is run.
    commands_->calls.clear();
    sessions_->logon(kShell);
    EXPECT_TRUE(commands_->calls.empty());
    ASSERT_EQ(told_terminals_.size(), 1u);
    EXPECT_EQ(told_terminals_[0].first, "pts/1");
    EXPECT_NE(told_terminals_[0].second.find("【mamori】運用時間外です。"), std::string::npos);
}

TEST_F(HoursControlTest, ALockTellsTheDesktopWhyAndWhomToAskThenLocks) {
    const Session me{getpwuid(geteuid())->pw_name, ":0", ":0", 4300, 0, {}};
    clock_.set(jst(2025, 6, 10, 20, 0));
    auto policy = cityHall(v1::HOURS_LOCK);
    policy.set_helpdesk("情報政策課 内線1234");
    apply(policy);
    sessions_->logon(me);
    ASSERT_EQ(commands_->calls.size(), 2u);
    const auto& notify = commands_->calls[0];
    EXPECT_EQ(notify.argv[0], "notify-send");
    EXPECT_EQ(notify.argv[notify.argv.size() - 2],
              "mamori: 運用時間外のため画面をロックします / Screen locked: outside operating hours");
    EXPECT_NE(notify.argv.back().find("時間外に利用するには承認"), std::string::npos) << notify.argv.back();
    EXPECT_NE(notify.argv.back().find("問い合わせ先 / Contact: 情報政策課 内線1234"), std::string::npos);
    EXPECT_EQ(commands_->calls[1].argv.back(), "xset s activate");
    auto v = violations();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].session().action(), "lock");
}

TEST_F(HoursControlTest, AConfiguredWarnCommandIsRunBesidesAndTheHelpdeskIsNamed) {
    config_.warn_command = "wall";
    make();
    clock_.set(jst(2025, 6, 10, 20, 0));
    auto p = cityHall(v1::HOURS_WARN);
    p.set_helpdesk("情報政策課 内線1234");
    apply(p);
    sessions_->logon(kShell);
    ASSERT_EQ(commands_->calls.size(), 1u);
    EXPECT_EQ(commands_->calls[0].argv[0], "wall");
    EXPECT_NE(commands_->calls[0].argv[1].find("問い合わせ先 / Contact: 情報政策課 内線1234"), std::string::npos);
    ASSERT_EQ(told_terminals_.size(), 1u);
    EXPECT_NE(told_terminals_[0].second.find("情報政策課 内線1234"), std::string::npos);
}

TEST_F(HoursControlTest, PolicyWithUnknownZoneIsRefused) {
    auto p = cityHall(v1::HOURS_REPORT);
    p.mutable_hours()->set_time_zone("Asia/Atlantis");
    std::string why;
    EXPECT_FALSE(control_->check(p, why));
    EXPECT_NE(why.find("Asia/Atlantis"), std::string::npos);
}

// -- failed logons (002:886): a user's failures counted in a window by the records' own times.

TEST_F(HoursControlTest, BurstOfFailedLogonsIsReportedOnceAtTheLimit) {
    clock_.set(jst(2025, 6, 10, 10, 0));
    apply(cityHall(v1::HOURS_REPORT));  // no limit in the policy: 3 within 10 minutes
    const Session attempt{"sato", "ssh:notty", "203.0.113.9", 0, 0, {}};
    const int64_t t0 = unix(jst(2025, 6, 10, 9, 50));
    for (int i = 0; i < 5; ++i) sessions_->failed(attempt, t0 + 10 * i);

    EXPECT_EQ(probe_.events(v1::LOGON_FAILED).size(), 5u);
    auto exceeded = probe_.events(v1::LOGON_FAILURES_EXCEEDED);
    ASSERT_EQ(exceeded.size(), 1u) << "the 4th and 5th are the same crossing";
    const auto& e = exceeded[0];
    EXPECT_EQ(e.control(), v1::HOURS);
    EXPECT_EQ(e.rule_id(), "hours.logon");
    EXPECT_TRUE(e.violation());
    EXPECT_EQ(e.outcome(), v1::REPORTED);
    EXPECT_EQ(e.session().user(), "sato");
    EXPECT_EQ(e.session().line(), "ssh:notty");
    EXPECT_EQ(e.session().host(), "203.0.113.9");
    EXPECT_EQ(e.session().session_start_unix(), t0 + 20);  // the failure that reached the limit
    EXPECT_EQ(e.session().failures(), 3u);
    EXPECT_EQ(e.session().window_minutes(), 10u);
    // Right after the failure that crossed, in the journal's order.
    auto all = probe_.events();
    ASSERT_GE(all.size(), 2u);
    size_t at = 0;
    while (at < all.size() && all[at].type() != v1::LOGON_FAILURES_EXCEEDED) ++at;
    ASSERT_GT(at, 0u);
    EXPECT_EQ(all[at - 1].type(), v1::LOGON_FAILED);
    EXPECT_EQ(all[at - 1].session().session_start_unix(), t0 + 20);
}

TEST_F(HoursControlTest, SlowTrickleOfFailedLogonsNeverCrosses) {
    clock_.set(jst(2025, 6, 10, 10, 0));
    apply(cityHall(v1::HOURS_REPORT));
    const Session attempt{"sato", "tty1", "", 0, 0, {}};
    const int64_t t0 = unix(jst(2025, 6, 10, 8, 0));
    for (int i = 0; i < 10; ++i) sessions_->failed(attempt, t0 + 6 * 60 * i);  // one every 6 minutes
    EXPECT_EQ(probe_.events(v1::LOGON_FAILED).size(), 10u);
    EXPECT_TRUE(probe_.events(v1::LOGON_FAILURES_EXCEEDED).empty());
}

TEST_F(HoursControlTest, EachUsersFailedLogonsCountApart) {
    clock_.set(jst(2025, 6, 10, 10, 0));
    apply(cityHall(v1::HOURS_REPORT));
    const Session sato{"sato", "ssh:notty", "203.0.113.9", 0, 0, {}};
    const Session kato{"kato", "ssh:notty", "203.0.113.9", 0, 0, {}};
    const int64_t t0 = unix(jst(2025, 6, 10, 9, 50));
    sessions_->failed(sato, t0);
    sessions_->failed(kato, t0 + 1);
    sessions_->failed(sato, t0 + 2);
    sessions_->failed(kato, t0 + 3);
    EXPECT_TRUE(probe_.events(v1::LOGON_FAILURES_EXCEEDED).empty()) << "two each: neither has reached 3";
    sessions_->failed(kato, t0 + 4);
    auto exceeded = probe_.events(v1::LOGON_FAILURES_EXCEEDED);
    ASSERT_EQ(exceeded.size(), 1u);
    EXPECT_EQ(exceeded[0].session().user(), "kato");
}

TEST_F(HoursControlTest, LimitIsReachedAgainOnlyAfterTheWindowEmptied) {
    clock_.set(jst(2025, 6, 10, 10, 0));
    apply(cityHall(v1::HOURS_REPORT));
    const Session attempt{"sato", "ssh:notty", "203.0.113.9", 0, 0, {}};
    const int64_t t0 = unix(jst(2025, 6, 10, 9, 0));
    for (int i = 0; i < 3; ++i) sessions_->failed(attempt, t0 + i);
    ASSERT_EQ(probe_.events(v1::LOGON_FAILURES_EXCEEDED).size(), 1u);
    sessions_->failed(attempt, t0 + 9 * 60);  // still 4 within the window: the same crossing
    EXPECT_EQ(probe_.events(v1::LOGON_FAILURES_EXCEEDED).size(), 1u);
    const int64_t t1 = t0 + 30 * 60;  // the window has emptied
    for (int i = 0; i < 3; ++i) sessions_->failed(attempt, t1 + i);
    auto exceeded = probe_.events(v1::LOGON_FAILURES_EXCEEDED);
    ASSERT_EQ(exceeded.size(), 2u);
    EXPECT_EQ(exceeded[1].session().session_start_unix(), t1 + 2);
    EXPECT_EQ(exceeded[1].session().failures(), 3u);
}

TEST_F(HoursControlTest, FailedLogonsCountAcrossARestartAndTheCrossingIsNotRepeated) {
    clock_.set(jst(2025, 6, 10, 10, 0));
    apply(cityHall(v1::HOURS_REPORT));
    const Session attempt{"sato", "ssh:notty", "203.0.113.9", 0, 0, {}};
    const int64_t t0 = unix(jst(2025, 6, 10, 9, 55));
    sessions_->failed(attempt, t0);
    sessions_->failed(attempt, t0 + 1);
    make();  // the agent restarts mid-burst
    apply(cityHall(v1::HOURS_REPORT));
    sessions_->failed(attempt, t0 + 2);
    ASSERT_EQ(probe_.events(v1::LOGON_FAILURES_EXCEEDED).size(), 1u);
    make();  // and again, within the same window
    apply(cityHall(v1::HOURS_REPORT));
    sessions_->failed(attempt, t0 + 3);
    EXPECT_EQ(probe_.events(v1::LOGON_FAILURES_EXCEEDED).size(), 1u);
}

TEST_F(HoursControlTest, PolicyLimitAndWindowApplyAndMonitorModeStillJudges) {
    clock_.set(jst(2025, 6, 10, 10, 0));
    auto p = cityHall(v1::HOURS_REPORT, v1::MONITOR);
    p.mutable_hours()->set_failed_logon_limit(5);
    p.mutable_hours()->set_failed_logon_window_minutes(1);
    apply(p);
    const Session attempt{"sato", "ssh:notty", "203.0.113.9", 0, 0, {}};
    const int64_t t0 = unix(jst(2025, 6, 10, 9, 0));
    for (int i = 0; i < 5; ++i) sessions_->failed(attempt, t0 + 20 * i);  // 5 in 80 s: never 5 in 60 s
    EXPECT_TRUE(probe_.events(v1::LOGON_FAILURES_EXCEEDED).empty());
    for (int i = 0; i < 5; ++i) sessions_->failed(attempt, t0 + 600 + 10 * i);
    auto exceeded = probe_.events(v1::LOGON_FAILURES_EXCEEDED);
    ASSERT_EQ(exceeded.size(), 1u);
    EXPECT_EQ(exceeded[0].session().failures(), 5u);
    EXPECT_EQ(exceeded[0].session().window_minutes(), 1u);
}

}  // namespace
