// The real agent daemon and its state directory: one agent per directory, and every stop that
// was not clean is recorded at the next start, with nothing it was watching lost or repeated.
#include <gtest/gtest.h>
#include <signal.h>
#include <utmpx.h>

#include <cstring>
#include <map>
#include <random>
#include <thread>

#include "tests/support/TestCollector.h"
#include "mamori/common/SqliteDb.h"
#include "mamori/v1/event.pb.h"

using namespace mamori::test;

namespace {

class AgentStateDirectory : public ::testing::Test {
protected:
    AgentStateDirectory() : dir_(tempDir("statedir")) {
        std::filesystem::create_directories(dir_ / "usb");
        std::ofstream(dir_ / "utmp").flush();
        std::ofstream(dir_ / "btmp").flush();  // as the system has it: updwtmpx appends, never creates
        agent_ = std::make_unique<TestAgent>(dir_ / "agent", config());
    }
    ~AgentStateDirectory() override {
        agent_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    // Only files of this test: no USB bus, no dpkg, the sessions of its own utmp and btmp.
    std::string config() const {
        return "utmp_file = " + (dir_ / "utmp").string() + "\nbtmp_file = " + (dir_ / "btmp").string() +
               "\nusb_sysfs_root = " + (dir_ / "usb").string() + "\nsoftware_control = off\n";
    }

    // A failed logon as login(1) and sshd record it.
    void failedLogon(const std::string& user) {
        utmpx r{};
        r.ut_type = LOGIN_PROCESS;
        r.ut_pid = 4242;
        std::strncpy(r.ut_user, user.c_str(), sizeof r.ut_user - 1);
        std::strncpy(r.ut_line, "ssh:notty", sizeof r.ut_line - 1);
        std::strncpy(r.ut_host, "192.0.2.7", sizeof r.ut_host - 1);
        r.ut_tv.tv_sec = static_cast<int32_t>(::time(nullptr));
        updwtmpx((dir_ / "btmp").c_str(), &r);
    }

    // What the journal holds, read beside the running agent as any reader of its file may.
    std::vector<mamori::v1::EventBody> journaled() const {
        std::vector<mamori::v1::EventBody> out;
        mamori::common::SqliteDb db((agent_->state() / "journal.db").string(), mamori::common::SqliteDb::Access::ReadOnly);
        db.exec("PRAGMA busy_timeout=5000");
        auto st = db.prepare("SELECT body FROM events ORDER BY seq");
        while (st.step()) out.emplace_back().ParseFromString(st.columnBlob(0));
        return out;
    }
    size_t count(mamori::v1::EventType type) const {
        size_t n = 0;
        for (const auto& b : journaled()) n += b.type() == type;
        return n;
    }
    std::map<std::string, int> failedLogons() const {
        std::map<std::string, int> users;
        for (const auto& b : journaled())
            if (b.type() == mamori::v1::LOGON_FAILED) ++users[b.session().user()];
        return users;
    }

    std::filesystem::path dir_;
    std::unique_ptr<TestAgent> agent_;
};

}  // namespace

TEST_F(AgentStateDirectory, ASecondAgentIsRefusedAndTheFirstRunsOn) {
    agent_->start();
    const pid_t first = agent_->pid();
    const size_t started = count(mamori::v1::AGENT_STARTED);

    std::string out;
    const int rc = Subprocess::run({bin("mamori-agent"), "run", "--config", agent_->config()}, &out);
    EXPECT_EQ(rc, 3) << out;  // CommandLine::kBusy, as `mamori-agent run --help` documents
    EXPECT_NE(out.find("another mamori-agent (pid " + std::to_string(first) + ")"), std::string::npos) << out;
    EXPECT_NE(out.find(agent_->state().string()), std::string::npos) << out;
    EXPECT_NE(out.find("別の mamori-agent（pid " + std::to_string(first) + "）が使用中です"), std::string::npos) << out;

    // The first is untouched: running, its status its own, its chain extended by no one else.
    EXPECT_TRUE(agent_->running());
    const std::string status = agent_->status();
    EXPECT_NE(status.find("by pid " + std::to_string(first) + "\n"), std::string::npos) << status;
    EXPECT_EQ(count(mamori::v1::AGENT_STARTED), started);
    failedLogon("after-refusal");
    EXPECT_TRUE(waitFor([&] { return failedLogons()["after-refusal"] == 1; })) << agent_->logText();

    std::string help;
    Subprocess::run({bin("mamori-agent"), "run", "--help"}, &help);
    EXPECT_NE(help.find("Exit status 3: busy"), std::string::npos) << help;

    EXPECT_EQ(agent_->stop(SIGTERM), 0);
    // Released with the process: the next start takes it, and that stop was a clean one.
    agent_->start();
    EXPECT_EQ(agent_->stop(SIGTERM), 0);
    EXPECT_EQ(count(mamori::v1::AGENT_UNCLEAN_STOP), 0u);
}

TEST_F(AgentStateDirectory, StatusAnswersWithoutJournalAndWithAnUnreadableFile) {
    // Nothing there yet: no state directory at all.
    EXPECT_NE(agent_->status().find("enrolled:        no"), std::string::npos) << agent_->status();
    agent_->start();
    EXPECT_EQ(agent_->stop(SIGTERM), 0);
    std::filesystem::remove(agent_->state() / "journal.db");
    // A value no agent writes any more (a journal depth that had wrapped below zero).
    std::string text = mamori::common::Files::read(agent_->state() / "status.conf");
    const auto at = text.find("journal_depth = ");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, text.find('\n', at) - at, "journal_depth = 18446744073709551614");
    std::ofstream(agent_->state() / "status.conf", std::ios::trunc) << text;
    std::string out;
    // Unenrolled: 3, for a monitoring check.
    EXPECT_EQ(Subprocess::run({bin("mamori-agent"), "status", "--config", agent_->config()}, &out), 3) << out;
    EXPECT_NE(out.find("not enrolled"), std::string::npos) << out;
    EXPECT_NE(out.find("partly unreadable"), std::string::npos) << out;
    EXPECT_NE(out.find("journal_depth"), std::string::npos) << out;
    EXPECT_NE(out.find("enrolled:        no"), std::string::npos) << out;
}

// The probe: 20 SIGKILLs with failed logons in between left 21 AGENT_STARTED and no sign
// of an unclean stop, and failed logons made while the agent was down were never reported.
TEST_F(AgentStateDirectory, TwentySigkillsAreTwentyUncleanStopsAndNoFailedLogonIsLostOrRepeated) {
    constexpr int kKills = 20;
    std::mt19937 rng(15);
    std::map<std::string, int> expected;
    auto logon = [&](const std::string& user) {
        failedLogon(user);
        expected[user] = 1;
    };
    // The first start begins at btmp's end (history from before the agent is not its to report),
    // and a clean stop marks where it got to.
    failedLogon("before-installation");
    agent_->start();
    EXPECT_EQ(agent_->stop(SIGTERM), 0);
    for (int i = 0; i < kKills; ++i) {
        logon("down-" + std::to_string(i));  // while no agent runs
        agent_->start();
        logon("up-" + std::to_string(i));  // while it runs
        ASSERT_TRUE(waitFor([&] { return failedLogons() == expected; }))
            << "kill " << i << ": " << ::testing::PrintToString(failedLogons()) << agent_->logText();
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution(0, 150)(rng)));
        EXPECT_EQ(agent_->stop(SIGKILL), 128 + SIGKILL);
    }
    logon("down-last");
    agent_->start();
    ASSERT_TRUE(waitFor([&] { return failedLogons() == expected; })) << ::testing::PrintToString(failedLogons());
    EXPECT_EQ(agent_->stop(SIGTERM), 0);

    const auto events = journaled();
    EXPECT_EQ(count(mamori::v1::AGENT_STARTED), size_t{kKills + 2});
    EXPECT_EQ(count(mamori::v1::AGENT_STOPPING), 2u);
    ASSERT_EQ(count(mamori::v1::AGENT_UNCLEAN_STOP), size_t{kKills});
    EXPECT_EQ(failedLogons(), expected);
    // Each names the last event of the run before it, which came earlier, and the next run
    // starts after it.
    int64_t previous_ns = 0;
    for (size_t i = 0; i < events.size(); ++i) {
        const auto& b = events[i];
        if (b.type() != mamori::v1::AGENT_UNCLEAN_STOP) continue;
        ASSERT_GT(i, 0u);
        EXPECT_EQ(b.agent().last_event_utc_ns(), events[i - 1].utc_ns()) << "at seq " << b.seq();
        EXPECT_GT(b.agent().last_event_utc_ns(), previous_ns);
        EXPECT_LE(b.agent().last_event_utc_ns(), b.utc_ns());
        EXPECT_FALSE(b.violation());
        EXPECT_EQ(b.control(), mamori::v1::AGENT);
        EXPECT_NE(b.agent().reason().find("without a clean stop"), std::string::npos) << b.agent().reason();
        ASSERT_LT(i + 1, events.size());
        EXPECT_EQ(events[i + 1].type(), mamori::v1::AGENT_STARTED);
        previous_ns = b.agent().last_event_utc_ns();
    }
}

// A pending enrollment whose collector does not answer: the reason is in `status`, and each try
// is followed by a back-off of at least 30 s, so it is logged once per step, never in a loop.
TEST_F(AgentStateDirectory, AFailedEnrollmentRetryIsInStatusAndLoggedOncePerBackoffStep) {
    const std::string url = "https://127.0.0.1:" + std::to_string(freePort());  // nothing listens there
    std::string out;
    ASSERT_EQ(Subprocess::run({bin("mamori-agent"), "enroll", "--config", agent_->config(), "--collector", url,
                               "--token", "no-such-token", "--hostname", "term-a", "--retry"},
                              &out),
              1)
        << out;
    agent_->start();
    ASSERT_TRUE(waitFor([&] { return agent_->status().find("last error:      enrollment with " + url) != std::string::npos; }))
        << agent_->status() << agent_->logText();
    // The first back-off step is at least 3 s (a tenth of its 30 s ceiling): in this time a
    // spinning retry would have logged hundreds of lines, the back-off none more.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const std::string log = agent_->logText();
    size_t tries = 0;
    for (size_t at = log.find("enrollment with " + url + " failed"); at != std::string::npos;
         at = log.find("enrollment with " + url + " failed", at + 1))
        ++tries;
    EXPECT_EQ(tries, 1u) << log;
    EXPECT_EQ(agent_->stop(SIGTERM), 0);
}
