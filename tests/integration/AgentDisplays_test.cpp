// The real mamori-agent daemon against display sockets that take its connection and never
// answer: one any local user can plant in /tmp/.X11-unix (refused: nobody is logged on to it)
// and a hung server of root's (given up after its deadline). The agent stays itself: it still
// stops at once on SIGTERM, as it must for every decision waiting on its reactor (USB,
// software, hours).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "mamori/common/Files.h"
#include "tests/support/SilentX11Socket.h"
#include "tests/support/TestCollector.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool logSays(const fs::path& log, const std::string& what, std::chrono::milliseconds limit) {
    return mamori::test::waitFor(
        [&] { return fs::exists(log) && mamori::common::Files::read(log).find(what) != std::string::npos; }, limit);
}

TEST(AgentDisplays, SilentDisplaySocketsAreRefusedOrGivenUpAndTheAgentStillStopsAtOnce) {
    mamori::test::SilentX11Socket planted;  // by nobody
    mamori::test::SilentX11Socket silent(0);
    const fs::path dir = fs::temp_directory_path() / ("mamori-agent-displays-" + std::to_string(getpid()));
    const fs::path state = dir / "state";
    fs::create_directories(state);
    std::ofstream(dir / "utmp").flush();
    std::ofstream(dir / "btmp").flush();
    // Only these displays: other tests' X servers are none of this agent's business.
    std::ofstream(dir / "agent.conf") << "state_dir = " << state.string() << "\nutmp_file = " << (dir / "utmp").string()
                                      << "\nbtmp_file = " << (dir / "btmp").string()
                                      << "\nsoftware_control = off\ndisplays = " << planted.display() << "," << silent.display()
                                      << "\n";
    pid_t agent = fork();
    if (agent == 0) {
        freopen((dir / "agent.log").c_str(), "w", stderr);
        ::setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + (dir / "no-bus").string()).c_str(), 1);
        execl(MAMORI_BINARY_DIR "/agent/mamori-agent", "mamori-agent", "run", "--config", (dir / "agent.conf").c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    EXPECT_TRUE(logSays(dir / "agent.log", "not enrolled: ", 20s)) << "the agent never said it guards the terminal";
    EXPECT_TRUE(logSays(dir / "agent.log", "display " + planted.display() + " is served by nobody, who has no session", 15s))
        << mamori::common::Files::read(dir / "agent.log");
    // Stopped while it still waits for root's silent server: the connection's deadline does
    // not need the reactor, which no longer runs once the agent stops.
    ::kill(agent, SIGTERM);
    int status = 0;
    pid_t ended = 0;
    for (auto end = std::chrono::steady_clock::now() + 10s; !ended && std::chrono::steady_clock::now() < end;) {
        ended = ::waitpid(agent, &status, WNOHANG);
        if (!ended) std::this_thread::sleep_for(20ms);
    }
    if (!ended) {
        ::kill(agent, SIGKILL);
        ::waitpid(agent, &status, 0);
    }
    EXPECT_EQ(ended, agent) << "the agent did not stop on SIGTERM: something holds its reactor\n"
                            << mamori::common::Files::read(dir / "agent.log");
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_NE(mamori::common::Files::read(dir / "agent.log")
                  .find("display " + silent.display() + " did not complete its connection"),
              std::string::npos)
        << mamori::common::Files::read(dir / "agent.log");
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
