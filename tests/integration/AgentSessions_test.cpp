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
#include <map>
#include <string>
#include <thread>

#include "agent/AgentIdentity.h"
#include "agent/Journal.h"
#include "mamori/common/Files.h"
#include "mamori/platform/Clock.h"
#include "mamori/platform/ThisProcess.h"
#include "tests/support/TestCollector.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Until the daemon says which policy guards this unenrolled terminal: it says so once every
// control, the session watch too, has applied it and listens. Its journal exists long before, and
// a sanitized build on a busy machine takes a second or more between the two.
bool guarding(const fs::path& log) {
    return mamori::test::waitFor([&] {
        return fs::exists(log) && mamori::common::Files::read(log).find("not enrolled: ") != std::string::npos;
    });
}

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
    EXPECT_TRUE(guarding(dir / "agent.log")) << "the agent never said it guards the terminal";

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
    const std::string text = mamori::common::Files::read(dir / "agent.log");
    EXPECT_EQ(logons, 1) << text;
    EXPECT_EQ(failures, 1) << text;
    // The attempt was journaled with btmp's position after it, and the position file agrees.
    const auto cursor = journal.cursor("btmp");
    ASSERT_TRUE(cursor) << text;
    std::ifstream position_file(state / "btmp.position");
    std::string position;
    std::getline(position_file, position);
    EXPECT_EQ(*cursor, position);
    EXPECT_NE(cursor->find(" " + std::to_string(sizeof(utmpx)) + " "), std::string::npos) << *cursor;
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

// A standalone terminal's profile carries exceptions for several terminals and groups: the real
// daemon honours only the one naming this terminal (by its host name, the id it would enroll
// under; it has no group), and says once in its log, not at each logon, which it ignores.
TEST(AgentSessions, DaemonHonoursOnlyTheExceptionsForThisTerminal) {
    const fs::path dir = fs::temp_directory_path() / ("mamori-agent-scope-" + std::to_string(getpid()));
    const fs::path state = dir / "state", utmp = dir / "utmp", btmp = dir / "btmp";
    fs::create_directories(state);
    std::ofstream(utmp).flush();
    std::ofstream(btmp).flush();
    // Closed all day today and tomorrow in Tokyo (the profile's zone), whenever the test runs.
    auto tokyoDate = [](time_t t) {
        t += 9 * 3600;
        tm d{};
        gmtime_r(&t, &d);
        char buf[16];
        std::strftime(buf, sizeof buf, "%Y-%m-%d", &d);
        return std::string(buf);
    };
    const time_t now = ::time(nullptr);
    const std::string host = mamori::platform::hostName();
    std::ofstream(dir / "profile.yaml")
        << "name: standalone\n"
        << "hours: {mode: enforce, action: report, closed_dates: [" << tokyoDate(now) << ", " << tokyoDate(now + 86400)
        << "]}\n"
        << "exceptions:\n"
        << "  - {id: EX-HERE, control: hours, terminal: \"" << host << "\", user: saito, reason: r, requested_by: a,\n"
        << "     approved_by: b, expires: 2099-12-31}\n"
        << "  - {id: EX-ELSEWHERE, control: hours, terminal: \"" << host << "-other\", user: kudo, reason: r,\n"
        << "     requested_by: a, approved_by: b, expires: 2099-12-31}\n"
        << "  - {id: EX-GROUP, control: hours, group: 税務課, user: endo, reason: r, requested_by: a, approved_by: b,\n"
        << "     expires: 2099-12-31}\n";
    std::ofstream(dir / "agent.conf") << "state_dir = " << state.string() << "\nutmp_file = " << utmp.string()
                                      << "\nbtmp_file = " << btmp.string() << "\ndisplays = :none\npolicy_file = "
                                      << (dir / "profile.yaml").string() << "\n";
    pid_t agent = fork();
    if (agent == 0) {
        freopen((dir / "agent.log").c_str(), "w", stderr);
        ::setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + (dir / "no-bus").string()).c_str(), 1);
        execl(MAMORI_BINARY_DIR "/agent/mamori-agent", "mamori-agent", "run", "--config", (dir / "agent.conf").c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    EXPECT_TRUE(guarding(dir / "agent.log")) << "the agent never said it guards the terminal";

    ASSERT_EQ(utmpxname(utmp.c_str()), 0);
    const char* lines[] = {"pts/5", "pts/6", "pts/7"};
    const char* users[] = {"saito", "kudo", "endo"};
    for (int i = 0; i < 3; ++i) {
        auto logon = record(USER_PROCESS, users[i], lines[i], getpid());
        setutxent();
        ASSERT_NE(pututxline(&logon), nullptr);
        endutxent();
        std::this_thread::sleep_for(200ms);  // one logon at a time: each one decided again
    }
    std::this_thread::sleep_for(300ms);
    ::kill(agent, SIGTERM);
    int status = 0;
    ASSERT_EQ(::waitpid(agent, &status, 0), agent);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;

    mamori::agent::Journal journal(state / "journal.db", mamori::agent::AgentIdentity::ensureKey(state), 64ull << 20);
    std::map<std::string, mamori::v1::EventBody> decided;
    bool applied = false;
    for (const auto& e : journal.pending(1000)) {
        mamori::v1::EventBody b;
        ASSERT_TRUE(b.ParseFromString(e.body()));
        if (b.type() == mamori::v1::HOURS_VIOLATION) decided[b.session().user()] = b;
        if (b.type() == mamori::v1::POLICY_APPLIED && b.policy().name() == "standalone") applied = true;
    }
    const std::string text = mamori::common::Files::read(dir / "agent.log");
    ASSERT_TRUE(applied) << text;
    ASSERT_EQ(decided.size(), 3u) << text;
    EXPECT_EQ(decided["saito"].outcome(), mamori::v1::EXEMPTED) << text;
    EXPECT_EQ(decided["saito"].rule_id(), "EX-HERE");
    // Not exempted: a violation under the hours rules, whether the daemon met the logon as it
    // happened (hours.logon) or, slower to start, among the sessions already open (hours.closed).
    for (const char* user : {"kudo", "endo"}) {
        EXPECT_TRUE(decided[user].violation()) << user;
        EXPECT_NE(decided[user].outcome(), mamori::v1::EXEMPTED) << user;
        EXPECT_EQ(decided[user].rule_id().rfind("hours.", 0), 0u) << user << " " << decided[user].rule_id();
    }
    auto times = [&](const std::string& what) {
        size_t n = 0;
        for (size_t at = 0; (at = text.find(what, at)) != std::string::npos; ++at) ++n;
        return n;
    };
    EXPECT_EQ(times("exception EX-ELSEWHERE is for terminal " + host + "-other"), 1u) << text;
    EXPECT_EQ(times("exception EX-GROUP is for group 税務課"), 1u) << text;
    EXPECT_EQ(times("EX-HERE is for"), 0u) << text;
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
