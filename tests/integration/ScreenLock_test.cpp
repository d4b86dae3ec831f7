// The screen lock against real X servers (Xvfb), real input (xdotool), a real lock command and
// the real journal: thresholds of a couple of seconds stand in for the policy's minutes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fstream>
#include <functional>
#include <set>

#include "XvfbServer.h"
#include "agent/IdleLock.h"
#include "agent/ScreenLockControl.h"
#include "agent/WorkPool.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/LocalDisplay.h"
#include "tests/support/JournalProbe.h"
#include "tests/support/SilentX11Socket.h"

namespace {

namespace v1 = mamori::v1;
using namespace std::chrono_literals;
using mamori::agent::IdleLock;
using mamori::agent::LockCommand;
using mamori::test::XvfbServer;
using Clock = std::chrono::steady_clock;

constexpr auto kThreshold = 2s;

class ScreenLockTest : public ::testing::Test {
protected:
    ScreenLockTest() {
        static int n = 0;
        dir_ = std::filesystem::temp_directory_path() /
               ("mamori-screenlock-" + std::to_string(getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(dir_);
        // Stands in for a screen locker: records which display it locked, then starts the
        // display's screen saver as `xset s activate` does.
        std::ofstream(dir_ / "lock.sh") << "#!/bin/sh\necho \"$DISPLAY\" >> '" << (dir_ / "locks").string()
                                        << "'\nexec xset s activate\n";
        std::filesystem::permissions(dir_ / "lock.sh", std::filesystem::perms::owner_all);
        policy_.mutable_screen_lock()->set_lock_command((dir_ / "lock.sh").string());
        config_.state_dir = dir_ / "state";  // the lock settings reported weak are kept there
    }
    ~ScreenLockTest() override {
        locks_.clear();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    IdleLock::Settings settings(bool enforce = true) const {
        IdleLock::Settings s;
        s.threshold = kThreshold;
        s.enforce = enforce;
        s.audit = false;
        s.command = std::make_shared<LockCommand>(policy_, config_);
        return s;
    }
    // Opens a display as the agent does: connected on a worker, handed over on the reactor.
    std::unique_ptr<mamori::platform::LocalDisplay> open(const std::string& name, Clock::duration* took = nullptr,
                                                         std::set<std::string> owners = {}) {
        std::unique_ptr<mamori::platform::LocalDisplay> display;
        bool done = false;
        auto start = Clock::now();
        mamori::platform::openLocalDisplay(io_.get_executor(), work_.executor(), name, std::move(owners), [&](auto d) {
            display = std::move(d);
            done = true;
        });
        EXPECT_TRUE(runUntil([&] { return done; })) << "opening " << name << " never ended";
        if (took) *took = Clock::now() - start;
        return display;
    }
    IdleLock& watch(const XvfbServer& x, bool enforce = true) {
        auto display = open(x.display());
        EXPECT_TRUE(display) << x.display();
        locks_.push_back(std::make_unique<IdleLock>(io_.get_executor(), std::move(display), probe_.sink(), *runner_,
                                                    settings(enforce)));
        locks_.back()->start();
        return *locks_.back();
    }
    int locksOf(const XvfbServer& x) const {
        std::ifstream in(dir_ / "locks");
        int n = 0;
        for (std::string line; std::getline(in, line);) n += line == x.display();
        return n;
    }
    void run(Clock::duration d) {
        io_.restart();
        io_.run_for(d);
    }
    // Runs the agent's reactor until pred holds; false on timeout.
    template <class P>
    bool runUntil(P pred, Clock::duration limit = 10s) {
        auto end = Clock::now() + limit;
        while (!pred()) {
            if (Clock::now() > end) return false;
            io_.restart();  // run_for() stops the reactor whenever it runs out of work
            io_.run_for(20ms);
        }
        return true;
    }

    // Opens `name` while a timer ticks on the reactor every 20 ms; the longest gap between two
    // ticks is how long the reactor was held. Returns the display, and how long the opening took.
    std::unique_ptr<mamori::platform::LocalDisplay> openTicking(const std::string& name, Clock::duration& took,
                                                                Clock::duration& held,
                                                                std::set<std::string> owners = {}) {
        boost::asio::steady_timer tick(io_);
        auto last = Clock::now();
        held = {};
        std::function<void()> arm = [&] {
            tick.expires_after(20ms);
            tick.async_wait([&](const boost::system::error_code& ec) {
                if (ec) return;
                held = std::max(held, Clock::now() - last);
                last = Clock::now();
                arm();
            });
        };
        arm();
        auto display = open(name, &took, std::move(owners));
        tick.cancel();
        run(10ms);
        return display;
    }

    std::filesystem::path dir_;
    boost::asio::io_context io_;
    mamori::agent::WorkPool work_{"mamori-work", 1};  // after io_: stopped before it goes
    std::unique_ptr<mamori::platform::Clock> clock_ = mamori::platform::systemClock();
    mamori::test::JournalProbe probe_{*clock_};
    mamori::agent::AgentConfig config_;
    v1::Policy policy_;
    std::unique_ptr<mamori::platform::CommandRunner> runner_ = mamori::platform::commandRunner(io_.get_executor());
    std::vector<std::unique_ptr<IdleLock>> locks_;
};

TEST_F(ScreenLockTest, LocksOnceAfterTheThresholdAndInputBeforeItResetsTheTimer) {
    XvfbServer x;
    x.input();
    auto started = Clock::now();
    watch(x);
    run(1200ms);
    // 1.2 s into the idle period: the threshold is now 2 s from the input, which the X server
    // saw at some moment while xdotool ran, so between these two readings.
    const auto before_input = Clock::now();
    x.input();
    const auto last_input = Clock::now();
    run(1300ms);
    EXPECT_EQ(locksOf(x), 0) << "2.5 s after start, but only 1.3 s after the last input";

    ASSERT_TRUE(runUntil([&] { return locksOf(x) == 1; }, 5s));
    const auto locked = Clock::now();
    EXPECT_GE(locked - before_input, kThreshold);
    EXPECT_LT(locked - last_input, kThreshold + 1s);
    ASSERT_TRUE(runUntil([&] { return probe_.events(v1::SCREEN_LOCKED).size() == 1; }, 5s));
    auto e = probe_.events(v1::SCREEN_LOCKED)[0];
    EXPECT_EQ(e.control(), v1::SCREEN_LOCK);
    EXPECT_EQ(e.outcome(), v1::ENFORCED);
    EXPECT_EQ(e.screen().display(), x.display());
    EXPECT_EQ(e.screen().setting(), "idle");
    EXPECT_GE(e.screen().idle_seconds(), 2u);

    run(3s);  // still idle, already locked: not again
    EXPECT_EQ(locksOf(x), 1);
    EXPECT_EQ(probe_.events(v1::SCREEN_LOCKED).size(), 1u);
    (void)started;
}

TEST_F(ScreenLockTest, InputAfterUnlockStartsANewCycle) {
    XvfbServer x;
    x.input();
    watch(x);
    ASSERT_TRUE(runUntil([&] { return locksOf(x) == 1; }, 5s));
    run(500ms);
    x.input();  // the user is back
    run(1500ms);
    EXPECT_EQ(locksOf(x), 1);
    ASSERT_TRUE(runUntil([&] { return locksOf(x) == 2; }, 5s));
    run(2500ms);
    EXPECT_EQ(locksOf(x), 2);
    EXPECT_EQ(probe_.events(v1::SCREEN_LOCKED).size(), 2u);
}

TEST_F(ScreenLockTest, InputWhileTheLockerStartsIsTheNextCycleNotLost) {
    // A locker that takes a moment to come up; the user touches the mouse meanwhile.
    policy_.mutable_screen_lock()->set_lock_command("echo \"$DISPLAY\" >> '" + (dir_ / "locks").string() +
                                                    "'; sleep 0.5; xset s activate");
    XvfbServer x;
    x.input();
    watch(x);
    ASSERT_TRUE(runUntil([&] { return locksOf(x) == 1; }, 5s));
    x.input();
    ASSERT_TRUE(runUntil([&] { return locksOf(x) == 2; }, 5s)) << "the idle period after that input was never locked";
}

TEST_F(ScreenLockTest, DisplaysAreIndependent) {
    XvfbServer busy, away;
    busy.input();
    away.input();
    watch(busy);
    watch(away);
    // Someone keeps working on one display while the other is left alone.
    for (int i = 0; i < 8; ++i) {
        run(400ms);
        busy.input();
    }
    EXPECT_EQ(locksOf(away), 1);
    EXPECT_EQ(locksOf(busy), 0);
    ASSERT_TRUE(runUntil([&] { return locksOf(busy) == 1; }, 5s));
    EXPECT_EQ(locksOf(away), 1);
}

TEST_F(ScreenLockTest, MonitorModeReportsTheLockOverdueAndLocksNothing) {
    XvfbServer x;
    x.input();
    watch(x, /*enforce=*/false);
    ASSERT_TRUE(runUntil([&] { return !probe_.events(v1::SCREEN_LOCK_OVERDUE).empty(); }, 5s));
    run(2500ms);
    auto overdue = probe_.events(v1::SCREEN_LOCK_OVERDUE);
    ASSERT_EQ(overdue.size(), 1u);
    EXPECT_TRUE(overdue[0].violation());
    EXPECT_EQ(overdue[0].outcome(), v1::MONITORED);
    EXPECT_EQ(locksOf(x), 0);
}

TEST_F(ScreenLockTest, FailingLockCommandIsReportedAsOverdue) {
    policy_.mutable_screen_lock()->set_lock_command("echo 'no locker here' >&2; exit 3");
    XvfbServer x;
    x.input();
    watch(x);
    ASSERT_TRUE(runUntil([&] { return !probe_.events(v1::SCREEN_LOCK_OVERDUE).empty(); }, 6s));
    auto e = probe_.events(v1::SCREEN_LOCK_OVERDUE)[0];
    EXPECT_EQ(e.screen().setting(), "lock command failed (exit 3): no locker here");
    EXPECT_TRUE(probe_.events(v1::SCREEN_LOCKED).empty());
}

TEST_F(ScreenLockTest, ServerThatExitsCostsOnlyItsDisplay) {
    auto x = std::make_unique<XvfbServer>();
    x->input();
    auto display = open(x->display());
    ASSERT_TRUE(display);
    bool closed = false;
    display->onClosed([&] { closed = true; });
    ASSERT_TRUE(display->waitForInput([] {}));
    x->stop();
    ASSERT_TRUE(runUntil([&] { return closed; }, 5s));
    EXPECT_FALSE(display->idle());
}

// A server that hangs (a stopped Xvfb, or a listener that takes the connection and never
// answers) must cost a few seconds of a worker, never the reactor, where USB decisions and
// shutdown wait.
TEST_F(ScreenLockTest, ADisplayThatNeverAnswersIsGivenUpWithoutHoldingTheReactor) {
    mamori::test::SilentX11Socket silent(0);
    Clock::duration took{}, held{};
    EXPECT_FALSE(openTicking(silent.display(), took, held));
    EXPECT_GE(took, 2500ms) << "given up before its deadline";
    EXPECT_LT(took, 6s);
    EXPECT_LT(held, 500ms) << "the reactor was held while " << silent.display() << " was connected to";

    XvfbServer x;
    x.pause();
    EXPECT_FALSE(openTicking(x.display(), took, held));
    EXPECT_LT(took, 6s);
    EXPECT_LT(held, 500ms) << "the reactor was held by a hung X server";
    x.resume();
    EXPECT_TRUE(open(x.display())) << "the server answers again";
}

// Anyone may create a display's socket in /tmp/.X11-unix: the agent, as root, talks to a
// server only if root or a user logged on to that display runs it.
TEST_F(ScreenLockTest, OnlyAServerOfRootOrOfAUserOnTheDisplayIsTalkedTo) {
    mamori::test::SilentX11Socket planted;  // by nobody
    Clock::duration took{}, held{};
    EXPECT_FALSE(openTicking(planted.display(), took, held));
    EXPECT_LT(took, 1s) << "refused before any X request";
    // Were nobody logged on to that display, its server would be talked to (and, silent, given up).
    EXPECT_FALSE(openTicking(planted.display(), took, held, {"nobody"}));
    EXPECT_GE(took, 2500ms) << "the server was not talked to";
    EXPECT_LT(held, 500ms);
}

TEST_F(ScreenLockTest, AServerThatStopsAnsweringCostsItsDisplayWithinASecond) {
    XvfbServer x;
    auto display = open(x.display());
    ASSERT_TRUE(display);
    ASSERT_TRUE(display->idle());
    bool closed = false;
    display->onClosed([&] { closed = true; });
    x.pause();
    auto start = Clock::now();
    EXPECT_FALSE(display->idle());
    auto held = Clock::now() - start;
    EXPECT_GE(held, 900ms);
    EXPECT_LT(held, 1500ms) << "a hung server held the caller past the answer deadline";
    EXPECT_TRUE(runUntil([&] { return closed; }, 2s)) << "the display was not reported gone";
    EXPECT_FALSE(display->screenSaverTimeout()) << "a dropped display is not asked again";
    x.resume();
}

TEST_F(ScreenLockTest, ControlWatchesConfiguredDisplaysAndAuditsTheirSaverSetting) {
    XvfbServer x;
    std::string out;
    ASSERT_EQ(x.client({"xset", "s", "off"}, &out), 0) << out;
    config_.displays = {x.display()};
    auto control = mamori::agent::ScreenLockControl::create(
        mamori::agent::ControlContext{io_.get_executor(), probe_.sink(), *clock_, config_, work_.executor()});
    policy_.mutable_screen_lock()->set_idle_minutes(5);
    policy_.mutable_screen_lock()->set_audit_settings(true);
    control->apply(policy_);
    ASSERT_TRUE(runUntil([&] { return control->watched() == std::set<std::string>{x.display()}; }));
    ASSERT_TRUE(runUntil([&] {
        for (const auto& e : probe_.events(v1::SCREEN_LOCK_SETTING_WEAK))
            if (e.screen().display() == x.display()) return true;
        return false;
    }));
    auto weak = probe_.events(v1::SCREEN_LOCK_SETTING_WEAK);
    auto it = std::find_if(weak.begin(), weak.end(), [&](const auto& e) { return e.screen().display() == x.display(); });
    EXPECT_EQ(it->screen().setting(), "x11 screensaver: off");
    EXPECT_TRUE(it->violation());

    // A display that starts later (the next logon) is picked up when its socket appears.
    XvfbServer later;
    config_.displays.push_back(later.display());
    ASSERT_TRUE(runUntil([&] { return control->watched().count(later.display()) == 1; }, 5s))
        << "the control did not notice " << later.display();
    later.stop();
    ASSERT_TRUE(runUntil([&] { return control->watched().count(later.display()) == 0; }, 5s));
}

}  // namespace
