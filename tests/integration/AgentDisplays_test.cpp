// The real mamori-agent daemon against display sockets that take its connection and never
// answer: one any local user can plant in /tmp/.X11-unix (refused: nobody is logged on to it)
// and a hung server of root's (given up after its deadline). The agent stays itself: it still
// stops at once on SIGTERM, as it must for every decision waiting on its reactor (USB,
// software, hours).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

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
    fs::create_directories(dir);
    std::ofstream(dir / "utmp").flush();
    std::ofstream(dir / "btmp").flush();
    // Only these displays: other tests' X servers are none of this agent's business.
    mamori::test::TestAgent agent(dir, "utmp_file = " + (dir / "utmp").string() + "\nbtmp_file = " +
                                           (dir / "btmp").string() + "\nsoftware_control = off\ndisplays = " +
                                           planted.display() + "," + silent.display() + "\n");
    agent.start({"/usr/bin/env", "DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + (dir / "no-bus").string()});
    EXPECT_TRUE(logSays(dir / "agent.log", "display " + planted.display() + " is served by nobody, who is not logged on here", 15s))
        << agent.logText();
    // Stopped while it still waits for root's silent server: the connection's deadline does
    // not need the reactor, which no longer runs once the agent stops.
    EXPECT_EQ(agent.stop(), 0) << "the agent did not stop on SIGTERM within 10 s: something held it\n"
                               << agent.logText();
    EXPECT_NE(agent.logText().find("display " + silent.display() + " did not complete its connection"),
              std::string::npos)
        << agent.logText();
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
