// Operating hours end to end on this machine: a real utmp file written with pututxline, the
// real wall-clock alarm (timerfd), real processes as session leaders, real commands and the
// real journal. The agent's clock is set to run a few seconds before closing time, so the
// session crosses the window's end while the test watches.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmpx.h>

#include <boost/asio/io_context.hpp>
#include <cstring>
#include <date/date.h>
#include <fstream>
#include <map>
#include <thread>

#include "agent/HoursControl.h"
#include "mamori/common/Files.h"
#include "tests/support/JournalProbe.h"

namespace {

namespace v1 = mamori::v1;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using TimePoint = std::chrono::system_clock::time_point;

TimePoint jst(int y, unsigned m, unsigned d, int h, int mi, std::chrono::milliseconds ms = 0ms) {
    return date::sys_days{date::year{y} / date::month{m} / date::day{d}} + std::chrono::hours{h - 9} +
           std::chrono::minutes{mi} + ms;
}
int64_t ns(TimePoint t) { return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(); }

// The system clock, shifted: runs at the real rate from a chosen instant.
class ShiftedClock final : public mamori::platform::Clock {
public:
    explicit ShiftedClock(TimePoint starts_at) : offset_ns_(ns(starts_at) - real_->utcNs()) {}
    int64_t utcNs() const override { return real_->utcNs() + offset_ns_; }
    int64_t monotonicNs() const override { return real_->monotonicNs(); }
    std::string bootId() const override { return real_->bootId(); }
    mamori::platform::ClockSync syncState() const override { return real_->syncState(); }

private:
    std::unique_ptr<mamori::platform::Clock> real_ = mamori::platform::systemClock();
    int64_t offset_ns_;
};

class HoursIntegrationTest : public ::testing::Test {
protected:
    HoursIntegrationTest() {
        static int n = 0;
        dir_ = std::filesystem::temp_directory_path() /
               ("mamori-hours-" + std::to_string(getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(dir_);
        // Sessions from the temp utmp, even where this machine has logind on a system bus.
        ::setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + (dir_ / "no-bus").string()).c_str(), 1);
        config_.utmp_file = dir_ / "utmp";
        config_.btmp_file = dir_ / "btmp";
        std::ofstream(config_.utmp_file).flush();
        std::ofstream(config_.btmp_file).flush();
        // Stands in for wall(1): keeps the message where the test can read it.
        std::ofstream(dir_ / "warn.sh") << "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '" << (dir_ / "warnings").string()
                                        << "'\n";
        std::filesystem::permissions(dir_ / "warn.sh", std::filesystem::perms::owner_all);
        config_.warn_command = (dir_ / "warn.sh").string();
    }
    ~HoursIntegrationTest() override {
        control_.reset();
        for (pid_t p : children_) {
            ::kill(p, SIGKILL);
            ::waitpid(p, nullptr, 0);
        }
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    static v1::Policy cityHall(v1::HoursAction action) {
        v1::Policy p;
        auto* h = p.mutable_hours();
        h->set_mode(v1::ENFORCE);
        h->set_time_zone("Asia/Tokyo");
        for (auto d : {v1::MONDAY, v1::TUESDAY, v1::WEDNESDAY, v1::THURSDAY, v1::FRIDAY}) h->add_weekdays(d);
        auto* w = h->add_windows();
        w->set_start_minute(8 * 60 + 30);
        w->set_end_minute(17 * 60 + 45);
        h->set_national_holidays_closed(true);
        h->set_action(action);
        h->set_warn_grace_minutes(10);
        return p;
    }

    pid_t leader() {
        pid_t p = fork();
        if (p == 0) {
            execlp("sleep", "sleep", "60", static_cast<char*>(nullptr));
            _exit(127);
        }
        children_.push_back(p);
        return p;
    }
    void logon(const std::string& user, const std::string& line, pid_t pid, TimePoint when) {
        utmpx r{};
        r.ut_type = USER_PROCESS;
        r.ut_pid = pid;
        std::strncpy(r.ut_user, user.c_str(), sizeof r.ut_user);
        std::strncpy(r.ut_line, line.c_str(), sizeof r.ut_line);
        std::strncpy(r.ut_id, line.c_str() + (line.size() > 4 ? line.size() - 4 : 0), sizeof r.ut_id);
        r.ut_tv.tv_sec = static_cast<int32_t>(ns(when) / 1'000'000'000);
        ASSERT_EQ(utmpxname(config_.utmp_file.c_str()), 0);
        setutxent();
        ASSERT_NE(pututxline(&r), nullptr);
        endutxent();
    }
    void start(const v1::Policy& p) {
        control_ = mamori::agent::HoursControl::create(
            mamori::agent::ControlContext{io_.get_executor(), probe_.sink(), clock_, config_, {}, {}, "MN-012"});
        std::string why;
        ASSERT_TRUE(control_->check(p, why)) << why;
        control_->apply(p);
    }
    template <class P>
    bool runUntil(P pred, Steady::duration limit = 6s) {
        auto end = Steady::now() + limit;
        while (!pred()) {
            if (Steady::now() > end) return false;
            io_.restart();  // run_for() stops the reactor whenever it runs out of work
            io_.run_for(20ms);
        }
        return true;
    }
    std::vector<v1::EventBody> violations() const { return probe_.events(v1::HOURS_VIOLATION); }

    std::filesystem::path dir_;
    boost::asio::io_context io_;
    // Tuesday 2025-06-10, 1.5 s before the office closes at 17:45.
    ShiftedClock clock_{jst(2025, 6, 10, 17, 44, 58500ms)};
    mamori::test::JournalProbe probe_{clock_};
    mamori::agent::AgentConfig config_;
    std::unique_ptr<mamori::agent::HoursControl> control_;
    std::vector<pid_t> children_;
};

TEST_F(HoursIntegrationTest, SessionCrossingClosingTimeIsLoggedOffAtClosingAndLateLogonsToo) {
    pid_t shell = leader();
    logon("watanabe", "pts/3", shell, jst(2025, 6, 10, 9, 0));
    start(cityHall(v1::HOURS_LOGOFF));
    EXPECT_TRUE(violations().empty());
    EXPECT_EQ(control_->nextWake(), jst(2025, 6, 10, 17, 45));

    ASSERT_TRUE(runUntil([&] { return violations().size() == 1; })) << "nothing happened at closing time";
    auto v = violations()[0];
    EXPECT_EQ(v.rule_id(), "hours.closed");
    EXPECT_EQ(v.session().user(), "watanabe");
    EXPECT_EQ(v.session().action(), "logoff");
    EXPECT_EQ(v.outcome(), v1::ENFORCED);
    EXPECT_GE(v.utc_ns(), ns(jst(2025, 6, 10, 17, 45)));
    EXPECT_LT(v.utc_ns(), ns(jst(2025, 6, 10, 17, 45, 500ms))) << "woken by the alarm, on time";
    int status = 0;
    ASSERT_EQ(::waitpid(shell, &status, 0), shell);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP);
    EXPECT_EQ(control_->nextWake(), jst(2025, 6, 11, 8, 30));

    // Someone logs on after closing.
    pid_t late = leader();
    logon("watanabe", "pts/4", late, jst(2025, 6, 10, 17, 45));
    ASSERT_TRUE(runUntil([&] { return violations().size() == 2; }));
    EXPECT_EQ(probe_.events(v1::LOGON).size(), 1u);
    EXPECT_EQ(violations()[1].rule_id(), "hours.logon");
    EXPECT_EQ(violations()[1].session().line(), "pts/4");
}

// The profile's exceptions reach every terminal it is pushed to; at closing time this terminal
// (MN-012, in 税務課) honours only its own and its group's, and logs off the session that another
// terminal's or another group's extension named.
TEST_F(HoursIntegrationTest, AtClosingOnlyThisTerminalsAndItsGroupsExtensionsHold) {
    auto p = cityHall(v1::HOURS_LOGOFF);
    p.set_group("税務課");
    auto extension = [&](const char* id, const char* terminal, const char* group, const char* user, int until_hour) {
        auto* e = p.add_exceptions();
        e->set_id(id);
        e->set_control(v1::HOURS);
        e->set_hours_extension(true);
        e->set_terminal(terminal);
        e->set_group(group);
        e->set_user(user);
        e->set_expires_unix(ns(jst(2025, 6, 10, until_hour, 0)) / 1'000'000'000);
    };
    extension("EX-MN013", "MN-013", "", "sato", 20);
    extension("EX-SHIMIN", "", "市民課", "sato", 20);
    extension("EX-MN012", "MN-012", "", "ito", 21);
    extension("EX-ZEIMU", "", "税務課", "kato", 21);
    const pid_t sato = leader(), ito = leader(), kato = leader();
    logon("sato", "pts/5", sato, jst(2025, 6, 10, 9, 0));
    logon("ito", "pts/6", ito, jst(2025, 6, 10, 9, 0));
    logon("kato", "pts/7", kato, jst(2025, 6, 10, 9, 0));
    start(p);

    ASSERT_TRUE(runUntil([&] { return violations().size() == 3; })) << violations().size() << " decisions at closing";
    std::map<std::string, v1::EventBody> by_user;
    for (const auto& v : violations()) by_user[v.session().user()] = v;
    EXPECT_TRUE(by_user["sato"].violation());
    EXPECT_EQ(by_user["sato"].outcome(), v1::ENFORCED);
    EXPECT_EQ(by_user["sato"].session().action(), "logoff");
    EXPECT_EQ(by_user["ito"].outcome(), v1::EXEMPTED);
    EXPECT_EQ(by_user["ito"].rule_id(), "EX-MN012");
    EXPECT_EQ(by_user["kato"].outcome(), v1::EXEMPTED);
    EXPECT_EQ(by_user["kato"].rule_id(), "EX-ZEIMU");
    int status = 0;
    pid_t ended = 0;
    for (int i = 0; i < 300 && (ended = ::waitpid(sato, &status, WNOHANG)) == 0; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(ended, sato) << "sato's session was not logged off";
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP);
    EXPECT_EQ(::waitpid(ito, &status, WNOHANG), 0) << "an exempted session keeps running";
    EXPECT_EQ(::waitpid(kato, &status, WNOHANG), 0) << "an exempted session keeps running";
    // Woken next by this terminal's extensions running out at 21:00, not by the others' at 20:00.
    EXPECT_EQ(control_->nextWake(), jst(2025, 6, 10, 21, 0));
}

TEST_F(HoursIntegrationTest, WarningReachesTheSessionsThroughTheWarnCommand) {
    logon("nakamura", "tty2", leader(), jst(2025, 6, 10, 9, 0));
    start(cityHall(v1::HOURS_WARN));
    ASSERT_TRUE(runUntil([&] { return violations().size() == 1; }));
    EXPECT_EQ(violations()[0].session().action(), "warn, lock at 2025-06-10 17:55");
    ASSERT_TRUE(runUntil([&] { return std::filesystem::exists(dir_ / "warnings"); }));
    io_.run_for(100ms);
    std::ifstream in(dir_ / "warnings");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(text.find("運用時間外です"), std::string::npos) << text;
    EXPECT_NE(text.find("locked in 10 minutes"), std::string::npos) << text;
    // Ten minutes from when the warning went out, which was at closing time.
    ASSERT_TRUE(control_->nextWake());
    EXPECT_GE(*control_->nextWake(), jst(2025, 6, 10, 17, 55));
    EXPECT_LT(*control_->nextWake(), jst(2025, 6, 10, 17, 55, 500ms));
}

// The lock is the session's own: run as the user logged on to the display, never as root, which
// would otherwise run X clients against a display that user controls.
TEST_F(HoursIntegrationTest, AtClosingTheLockCommandRunsAsTheUserOnTheDisplay) {
    const auto out = dir_ / "out";
    std::filesystem::create_directories(out);
    std::filesystem::permissions(out, std::filesystem::perms::all);  // the user writes there
    auto p = cityHall(v1::HOURS_LOCK);
    p.mutable_screen_lock()->set_lock_command("echo \"$(id -un) $DISPLAY $XAUTHORITY\" >> '" + (out / "locks").string() + "'");
    const passwd* nobody = getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    logon("nobody", ":0", leader(), jst(2025, 6, 10, 9, 0));
    start(p);
    ASSERT_TRUE(runUntil([&] { return std::filesystem::exists(out / "locks"); })) << "nothing was locked at closing";
    io_.run_for(100ms);
    EXPECT_EQ(mamori::common::Files::read(out / "locks"), "nobody :0 " + std::string(nobody->pw_dir) + "/.Xauthority\n");
    ASSERT_EQ(violations().size(), 1u);
    EXPECT_EQ(violations()[0].outcome(), v1::ENFORCED);
}

TEST_F(HoursIntegrationTest, WarningAlsoShowsOnTheDesktopThroughTheNotifyCommand) {
    // Stands in for notify-send: records its arguments and the desktop it was pointed at.
    std::ofstream(dir_ / "notify.sh") << "#!/bin/sh\n{ echo \"DISPLAY=$DISPLAY HOME=$HOME\"; printf '%s\\n' \"$@\"; } >> '"
                                      << (dir_ / "notices").string() << "'\n";
    std::filesystem::permissions(dir_ / "notify.sh", std::filesystem::perms::owner_all);
    config_.notify_command = (dir_ / "notify.sh").string();
    // A graphical logon of a user this system knows (the test's own), on display :0.
    const passwd* me = getpwuid(geteuid());
    logon(me->pw_name, ":0", leader(), jst(2025, 6, 10, 9, 0));
    start(cityHall(v1::HOURS_WARN));
    ASSERT_TRUE(runUntil([&] { return violations().size() == 1; }));
    ASSERT_TRUE(runUntil([&] { return std::filesystem::exists(dir_ / "notices"); }));
    io_.run_for(100ms);
    std::ifstream in(dir_ / "notices");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(text.find("DISPLAY=:0 HOME=" + std::string(me->pw_dir) + "\n"), std::string::npos) << text;
    EXPECT_NE(text.find("--urgency=critical\n"), std::string::npos) << text;
    EXPECT_NE(text.find("Outside operating hours\n"), std::string::npos) << text;
    EXPECT_NE(text.find("locked in 10 minutes."), std::string::npos) << text;
    ASSERT_TRUE(runUntil([&] { return std::filesystem::exists(dir_ / "warnings"); })) << "wall is still used";
}

}  // namespace
