// The real mamori-agent daemon, configured the way an installer would with its utmp and btmp
// pointed at temp files: a logon written with pututxline, a failed logon appended to btmp,
// and the events found in the agent's own journal after it stopped; also the clock's sync state.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmpx.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/AgentIdentity.h"
#include "agent/Journal.h"
#include "mamori/platform/Clock.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

utmpx record(short type, const char* user, const char* line, pid_t pid) {
    utmpx r{};
    r.ut_type = type;
    r.ut_pid = pid;
    std::strncpy(r.ut_user, user, sizeof r.ut_user);
    std::strncpy(r.ut_line, line, sizeof r.ut_line);
    std::strncpy(r.ut_id, line + std::max<size_t>(std::strlen(line), 4) - 4, sizeof r.ut_id);
    r.ut_tv.tv_sec = static_cast<int32_t>(::time(nullptr));
    return r;
}

TEST(AgentSessions, DaemonRecordsLogonsAndFailedLogonsFromItsConfiguredFiles) {
    const fs::path dir = fs::temp_directory_path() / ("mamori-agent-sessions-" + std::to_string(getpid()));
    const fs::path state = dir / "state", utmp = dir / "utmp", btmp = dir / "btmp";
    fs::create_directories(state);
    std::ofstream(utmp).flush();
    std::ofstream(btmp).flush();
    // No display of this machine is watched: other tests' X servers are none of its business.
    std::ofstream(dir / "agent.conf") << "state_dir = " << state.string() << "\nutmp_file = " << utmp.string()
                                      << "\nbtmp_file = " << btmp.string() << "\ndisplays = :none\n";
    pid_t agent = fork();
    if (agent == 0) {
        freopen((dir / "agent.log").c_str(), "w", stderr);
        // A terminal without a system bus (as this one may have): sessions come from utmp.
        ::setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + (dir / "no-bus").string()).c_str(), 1);
        execl(MAMORI_BINARY_DIR "/agent/mamori-agent", "mamori-agent", "run", "--config", (dir / "agent.conf").c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    // Started when its journal has the AGENT_STARTED event's database.
    for (int i = 0; i < 200 && !fs::exists(state / "journal.db"); ++i) std::this_thread::sleep_for(25ms);
    std::this_thread::sleep_for(300ms);

    auto logon = record(USER_PROCESS, "saito", "pts/5", getpid());
    ASSERT_EQ(utmpxname(utmp.c_str()), 0);
    setutxent();
    ASSERT_NE(pututxline(&logon), nullptr);
    endutxent();
    auto failed = record(LOGIN_PROCESS, "admin", "ssh:notty", 0);
    updwtmpx(btmp.c_str(), &failed);
    std::this_thread::sleep_for(500ms);

    ::kill(agent, SIGTERM);
    int status = 0;
    ASSERT_EQ(::waitpid(agent, &status, 0), agent);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;

    mamori::agent::Journal journal(state / "journal.db", mamori::agent::AgentIdentity::ensureKey(state), 64ull << 20);
    int logons = 0, failures = 0, unsynced = 0;
    for (const auto& e : journal.pending(1000)) {
        mamori::v1::EventBody b;
        ASSERT_TRUE(b.ParseFromString(e.body()));
        if (b.type() == mamori::v1::LOGON && b.session().user() == "saito") ++logons;
        if (b.type() == mamori::v1::LOGON_FAILED && b.session().user() == "admin") ++failures;
        if (b.type() == mamori::v1::CLOCK_UNSYNCED) ++unsynced;
    }
    std::ifstream log(dir / "agent.log");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    EXPECT_EQ(logons, 1) << text;
    EXPECT_EQ(failures, 1) << text;
    // Said once, though both session controls fall back.
    size_t said = 0;
    for (size_t at = 0; (at = text.find("logons and logoffs are read from " + utmp.string(), at)) != std::string::npos; ++at)
        ++said;
    EXPECT_EQ(said, 1u) << text;
    // What adjtimex says about this machine's clock, reported once, not once per check; its
    // error estimate is not judged here (the collector measures the skew).
    auto sync = mamori::platform::systemClock()->syncState();
    EXPECT_EQ(unsynced, sync.synchronized ? 0 : 1) << text;
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
