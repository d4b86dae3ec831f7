// A terminal whose clock is behind the collector certificate's start: the agent's TLS handshake
// fails, and the reason it gives must point at the clock, not only "certificate verify failed".
// The clock is moved with libfaketime (Debian package faketime) for the agent process alone.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

class AgentTlsClock : public ::testing::Test {
protected:
    AgentTlsClock() : dir_(tempDir("tlsclock")), collector_(dir_ / "collector") {
        std::filesystem::create_directories(dir_ / "usb");
        std::ofstream(dir_ / "utmp").flush();
        std::ofstream(dir_ / "btmp").flush();
        agent_ = std::make_unique<TestAgent>(
            dir_ / "agent", "utmp_file = " + (dir_ / "utmp").string() + "\nbtmp_file = " + (dir_ / "btmp").string() +
                                "\nusb_sysfs_root = " + (dir_ / "usb").string() + "\nsoftware_control = off\n");
    }
    ~AgentTlsClock() override {
        agent_.reset();
        collector_.stop();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::filesystem::path dir_;
    TestCollector collector_;
    std::unique_ptr<TestAgent> agent_;
};

}  // namespace

TEST_F(AgentTlsClock, AClockBehindTheCertificateIsNamedInStatusAndLog) {
    if (!std::filesystem::exists(kLibFaketime))
        GTEST_FAIL() << "libfaketime is missing: scripts/install-deps.sh installs the faketime package";
    collector_.start();
    agent_->enroll(collector_.agentUrl(), collector_.token(), "term-clock");
    // Two days behind: before every certificate the collector issued at its set-up. Only the wall
    // clock moves; the agent's timers run on the real monotonic clock.
    agent_->start(fakeClock("-2d"));
    ASSERT_TRUE(waitFor([&] { return agent_->status().find("last error:      none") == std::string::npos; }))
        << agent_->status() << agent_->logText();
    const std::string status = agent_->status();
    EXPECT_NE(status.find("is valid from "), std::string::npos) << status;
    EXPECT_NE(status.find("but this terminal's clock says "), std::string::npos) << status;
    EXPECT_NE(status.find("the terminal's clock is probably wrong (behind)"), std::string::npos) << status;
    EXPECT_NE(status.find("端末の時計が遅れている可能性があります"), std::string::npos) << status;
    EXPECT_NE(agent_->logText().find("but this terminal's clock says "), std::string::npos) << agent_->logText();
    EXPECT_EQ(agent_->stop(SIGTERM), 0);

    // With the clock right, the same terminal delivers and the complaint is gone.
    agent_->start();
    EXPECT_TRUE(waitFor([&] {
        const auto s = agent_->status();
        return s.find("last error:      none") != std::string::npos && s.find("last upload:     never") == std::string::npos;
    })) << agent_->status() << agent_->logText();
    EXPECT_EQ(agent_->stop(SIGTERM), 0);
}
