// The agent's runner of helper programs (screen lockers, notify-send, gsettings) against real
// programs: what each one's exit and output come back as.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <vector>

#include "mamori/platform/CommandRunner.h"

namespace {

using mamori::platform::CommandRunner;
using namespace std::chrono_literals;

class LinuxCommandRunnerTest : public ::testing::Test {
protected:
    // Runs every command at once and waits until each has answered.
    std::vector<CommandRunner::Result> runAll(const std::vector<std::vector<std::string>>& commands) {
        std::vector<CommandRunner::Result> results(commands.size());
        size_t answered = 0;
        for (size_t i = 0; i < commands.size(); ++i)
            runner_->run(commands[i], {}, [&, i](const CommandRunner::Result& r) {
                results[i] = r;
                ++answered;
            });
        const auto end = std::chrono::steady_clock::now() + 60s;
        while (answered < commands.size() && std::chrono::steady_clock::now() < end) {
            io_.restart();
            io_.run_for(10ms);
        }
        EXPECT_EQ(answered, commands.size());
        return results;
    }

    boost::asio::io_context io_;
    std::unique_ptr<CommandRunner> runner_ = mamori::platform::commandRunner(io_.get_executor());
};

TEST_F(LinuxCommandRunnerTest, AnExitCodeAndTheOutputOnBothStreamsComeBack) {
    auto r = runAll({{"sh", "-c", "echo out; echo err >&2; exit 3"}}).at(0);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.output, "out\nerr\n");
}

TEST_F(LinuxCommandRunnerTest, AProgramKilledBySignalIs128PlusTheSignal) {
    EXPECT_EQ(runAll({{"sh", "-c", "kill -9 $$"}}).at(0).exit_code, 128 + 9);
}

TEST_F(LinuxCommandRunnerTest, AProgramThatCannotStartSaysWhy) {
    auto r = runAll({{"/nonexistent/mamori-helper"}}).at(0);
    EXPECT_EQ(r.exit_code, -1);
    EXPECT_NE(r.output.find("/nonexistent/mamori-helper"), std::string::npos) << r.output;
}

TEST_F(LinuxCommandRunnerTest, AProgramGetsNoDescriptorOfTheAgentsButItsOutput) {
    const int kept = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC, as a careless library opens one
    ASSERT_GE(kept, 3);
    auto r = runAll({{"sh", "-c", "ls /proc/$$/fd"}}).at(0);
    ::close(kept);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "0\n1\n2\n") << "descriptor " << kept << " was open in the agent";
}

// The group's exit makes the pidfd ready, at times a moment before the leader can be reaped (the
// reactor's descriptor is non-blocking, so waitid says EAGAIN then). A runner that took that moment
// for a failure answered -1 for gsettings' exit of 0, about once in a few hundred runs of the
// DesktopLockAudit tests eight at a time on a loaded machine. Here, hundreds of such programs.
TEST_F(LinuxCommandRunnerTest, AProgramExitingWithItsThreadsRunningIsReapedWithItsExitCode) {
    const std::string program = std::string(MAMORI_BINARY_DIR) + "/tests/mamori_threads_at_exit";
    for (int round = 0; round < 10; ++round) {
        std::vector<std::vector<std::string>> commands(60, {program, "7"});
        auto results = runAll(commands);
        for (size_t i = 0; i < results.size(); ++i)
            ASSERT_EQ(results[i].exit_code, 7) << "round " << round << ", program " << i << ": " << results[i].output;
    }
}

}  // namespace
