// The session monitor against logind on a real D-Bus: a dbus-daemon started here, logind's
// interface served by python3-dbusmock's logind template, the monitor's bus connection on the
// test's reactor. Without dbus-daemon the tests are skipped, except in CI, where
// scripts/install-deps.sh has installed it and its absence is a failure.
#include <gtest/gtest.h>
#include <time.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <fstream>

#include "LogindBus.h"
#include "agent/IdleLock.h"
#include "agent/LockCommand.h"
#include "agent/SessionIdleDisplay.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/SessionMonitor.h"
#include "tests/support/JournalProbe.h"

namespace {

using namespace std::chrono_literals;
using mamori::platform::Session;
using mamori::platform::SessionChange;
using mamori::test::LogindBus;
using Kind = SessionChange::Kind;
using Clock = std::chrono::steady_clock;

// 2025-06-10 09:00 JST, in logind's microseconds.
constexpr uint64_t kLogonUsec = 1749513600ull * 1'000'000;

class LogindSessionsTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = LogindBus::missing(); !why.empty()) {
            const char* ci = std::getenv("CI");
            if (ci && std::string(ci) == "true") FAIL() << why;
            GTEST_SKIP() << why;
        }
        static int n = 0;
        dir_ = std::filesystem::temp_directory_path() /
               ("mamori-logind-" + std::to_string(getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(dir_);
        files_.utmp = dir_ / "utmp";
        files_.btmp = dir_ / "btmp";
        std::ofstream(files_.utmp).flush();
        std::ofstream(files_.btmp).flush();
    }
    void TearDown() override {
        monitor_.reset();
        bus_.reset();
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }

    void startBus(bool with_logind = true) { bus_ = std::make_unique<LogindBus>(dir_, with_logind); }
    void startMonitor() {
        monitor_ = mamori::platform::sessionMonitor(io_.get_executor(), files_);
        monitor_->start([this](const SessionChange& c) { changes_.push_back(c); });
    }
    // A graphical logon on seat0's X display :93, remote shells elsewhere.
    void desk(const std::string& id, const std::string& user, bool announce) {
        bus_->addSession(id, user,
                         "{'Display': <':93'>, 'TTY': <''>, 'Leader': <uint32 4242>, 'Timestamp': <uint64 " +
                             std::to_string(kLogonUsec) + ">}",
                         announce);
    }
    std::optional<Session> activeSession(const std::string& id) const {
        for (const auto& s : monitor_->active())
            if (s.id == id) return s;
        return std::nullopt;
    }
    template <class P>
    bool runUntil(P pred, Clock::duration limit = 5s) {
        auto end = Clock::now() + limit;
        while (!pred()) {
            if (Clock::now() > end) return false;
            io_.restart();
            io_.run_for(20ms);
        }
        return true;
    }

    std::filesystem::path dir_;
    mamori::platform::SessionFiles files_;
    std::unique_ptr<LogindBus> bus_;
    boost::asio::io_context io_;
    std::unique_ptr<mamori::platform::SessionMonitor> monitor_;
    std::vector<SessionChange> changes_;
};

TEST_F(LogindSessionsTest, SessionNewAndSessionRemovedAreLogonAndLogoff) {
    startBus();
    desk("c1", "kobayashi", /*announce=*/false);  // logged on before the agent started
    startMonitor();
    ASSERT_TRUE(activeSession("c1")) << "a session logind listed at start is active";
    EXPECT_EQ(activeSession("c1")->user, "kobayashi");

    bus_->addSession("c2", "yamada",
                     "{'TTY': <'pts/4'>, 'Remote': <true>, 'RemoteHost': <'192.0.2.10'>, 'Leader': <uint32 5151>, "
                     "'Timestamp': <uint64 " + std::to_string(kLogonUsec) + ">}",
                     /*announce=*/true);
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].kind, Kind::Logon);
    const Session s = changes_[0].session;
    EXPECT_EQ(s.user, "yamada");
    EXPECT_EQ(s.line, "pts/4");
    EXPECT_EQ(s.host, "192.0.2.10");
    EXPECT_EQ(s.pid, 5151);
    EXPECT_EQ(s.id, "c2");
    EXPECT_EQ(changes_[0].time_unix, 1749513600);
    EXPECT_EQ(monitor_->active().size(), 2u);

    bus_->removeSession("c2");
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 2; }));
    EXPECT_EQ(changes_[1].kind, Kind::Logoff);
    EXPECT_EQ(changes_[1].session, s);
    EXPECT_FALSE(activeSession("c2"));
    EXPECT_TRUE(activeSession("c1")) << "the other session is not touched";
}

TEST_F(LogindSessionsTest, GraphicalSessionSitsOnItsDisplay) {
    startBus();
    startMonitor();
    desk("c3", "suzuki", /*announce=*/true);
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].session.line, ":93");
    EXPECT_EQ(changes_[0].session.display(), ":93");
}

TEST_F(LogindSessionsTest, SignalsFromAnyoneButLogindAreIgnored) {
    startBus();
    startMonitor();
    desk("c4", "impostor", /*announce=*/false);
    // The same signal, sent by another client of the bus rather than by logind's connection.
    std::string out;
    ASSERT_EQ(LogindBus::gdbus({"emit", "--address", bus_->address(), "--object-path", "/org/freedesktop/login1",
                                "--signal", "org.freedesktop.login1.Manager.SessionNew", "'c4'",
                                "objectpath '" + LogindBus::sessionPath("c4") + "'"},
                               &out),
              0)
        << out;
    io_.run_for(300ms);
    EXPECT_TRUE(changes_.empty());
    desk("c5", "real", /*announce=*/true);
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].session.user, "real");
}

TEST_F(LogindSessionsTest, IdleHintGivesTheSessionsIdleTime) {
    startBus();
    desk("c6", "sato", /*announce=*/false);
    startMonitor();
    auto s = activeSession("c6");
    ASSERT_TRUE(s);
    EXPECT_EQ(monitor_->idle(*s), 0ms) << "IdleHint false: in use";

    // The desktop tells logind that the session has been idle for 90 s.
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t since = (static_cast<uint64_t>(now.tv_sec) - 90) * 1'000'000;
    bus_->setProperties("c6", "{'IdleHint': <true>, 'IdleSinceHintMonotonic': <uint64 " + std::to_string(since) + ">}");
    ASSERT_TRUE(runUntil([&] { return monitor_->idle(*s) > 0ms; }));
    EXPECT_GE(*monitor_->idle(*s), 90s);
    EXPECT_LT(*monitor_->idle(*s), 100s);

    bus_->setProperties("c6", "{'IdleHint': <false>}");
    ASSERT_TRUE(runUntil([&] { return monitor_->idle(*s) == 0ms; }));
    Session unknown = *s;
    unknown.id = "c99";
    EXPECT_EQ(monitor_->idle(unknown), std::nullopt);
}

TEST_F(LogindSessionsTest, DisplayIsLockedThroughLockSessionNotTheCommand) {
    startBus();
    desk("c7", "ito", /*announce=*/false);
    startMonitor();
    mamori::v1::Policy policy;
    policy.mutable_screen_lock()->set_lock_command("touch '" + (dir_ / "command-ran").string() + "'");
    mamori::agent::AgentConfig config;
    mamori::agent::LockCommand lock(policy, config, monitor_.get());
    auto runner = mamori::platform::commandRunner(io_.get_executor());
    std::optional<mamori::agent::LockCommand::Outcome> outcome;
    lock.run(io_.get_executor(), *runner, ":93", [&](const auto& o) { outcome = o; });
    ASSERT_TRUE(runUntil([&] { return outcome.has_value(); }));
    EXPECT_TRUE(outcome->locked) << outcome->detail;
    EXPECT_EQ(outcome->detail, "logind LockSession");
    EXPECT_NE(bus_->callsOf("LockSession").find("'c7'"), std::string::npos) << bus_->callsOf("LockSession");
    io_.run_for(200ms);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "command-ran"));

    // A display logind runs no session on is locked by the command.
    outcome.reset();
    lock.run(io_.get_executor(), *runner, ":94", [&](const auto& o) { outcome = o; });
    ASSERT_TRUE(runUntil([&] { return outcome.has_value(); }));
    EXPECT_TRUE(std::filesystem::exists(dir_ / "command-ran"));
}

TEST_F(LogindSessionsTest, IdleHintDrivesTheIdleLockOfADisplayTheAgentCannotOpen) {
    startBus();
    desk("c9", "yamada", /*announce=*/false);
    startMonitor();
    auto s = activeSession("c9");
    ASSERT_TRUE(s);
    // The desktop went idle a second ago.
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t since = (static_cast<uint64_t>(now.tv_sec) - 1) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
    bus_->setProperties("c9", "{'IdleHint': <true>, 'IdleSinceHintMonotonic': <uint64 " + std::to_string(since) + ">}");
    ASSERT_TRUE(runUntil([&] { return monitor_->idle(*s) > 0ms; }));

    auto clock = mamori::platform::systemClock();
    mamori::test::JournalProbe probe(*clock);
    auto runner = mamori::platform::commandRunner(io_.get_executor());
    mamori::v1::Policy policy;
    mamori::agent::AgentConfig config;
    mamori::agent::IdleLock::Settings settings;
    settings.threshold = 2s;
    settings.audit = false;
    settings.command = std::make_shared<mamori::agent::LockCommand>(policy, config, monitor_.get());
    mamori::agent::IdleLock lock(io_.get_executor(),
                                 std::make_unique<mamori::agent::SessionIdleDisplay>(io_.get_executor(), *monitor_, *s),
                                 probe.sink(), *runner, settings);
    auto started = Clock::now();
    lock.start();
    ASSERT_TRUE(runUntil([&] { return !probe.events(mamori::v1::SCREEN_LOCKED).empty(); }));
    EXPECT_LT(Clock::now() - started, 1500ms) << "locked when the hint reached the threshold, not a threshold later";
    auto e = probe.events(mamori::v1::SCREEN_LOCKED)[0];
    EXPECT_EQ(e.screen().display(), ":93");
    EXPECT_EQ(e.screen().setting(), "idle");
    EXPECT_GE(e.screen().idle_seconds(), 2u);
    EXPECT_NE(bus_->callsOf("LockSession").find("'c9'"), std::string::npos);
}

TEST_F(LogindSessionsTest, LogoffIsTerminateSession) {
    startBus();
    desk("c8", "kato", /*announce=*/false);
    startMonitor();
    auto s = activeSession("c8");
    ASSERT_TRUE(s);
    ASSERT_TRUE(monitor_->logoff(*s));
    ASSERT_TRUE(runUntil([&] { return bus_->callsOf("TerminateSession").find("'c8'") != std::string::npos; }));
}

TEST_F(LogindSessionsTest, BusWithoutLogindFallsBackToUtmp) {
    startBus(/*with_logind=*/false);
    startMonitor();
    Session s{"nobody", ":93", ":93", 1, 0, "c1"};
    EXPECT_FALSE(monitor_->lock(s, [](bool, const std::string&) {})) << "utmp has no lock of its own";
    EXPECT_EQ(monitor_->idle(s), std::nullopt);
}

TEST_F(LogindSessionsTest, NoSystemBusFallsBackToUtmp) {
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + (dir_ / "no-such-socket").string()).c_str(), 1);
    startMonitor();
    ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
    Session s{"nobody", ":93", ":93", 1, 0, "c1"};
    EXPECT_FALSE(monitor_->lock(s, [](bool, const std::string&) {}));
}

}  // namespace
