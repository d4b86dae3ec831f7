// The daemons as systemd sees them, with no systemd here: real sockets stand in for its notify
// socket and the journal's, bound where the daemons look for them, and what arrives is what
// systemd would read. Also `mamori-agent status`'s exit status over real processes.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <map>
#include <optional>

#include "mamori/common/Files.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;
using mamori::common::Files;

namespace {

// An AF_UNIX datagram socket bound at a path, as systemd's notify socket and the journal's are.
class DatagramSocket {
public:
    explicit DatagramSocket(std::filesystem::path path) : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
        bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    ~DatagramSocket() {
        ::close(fd_);
        if (bound_) std::filesystem::remove(path_);
    }
    bool bound() const { return bound_; }

    // The next datagram, or nullopt when none came within `limit`.
    std::optional<std::string> receive(std::chrono::milliseconds limit) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return std::nullopt;
        std::string buf(1 << 16, '\0');
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n < 0) return std::nullopt;
        buf.resize(static_cast<size_t>(n));
        return buf;
    }

    // Datagrams until one satisfies `wanted` (returned) or `limit` passes (nullopt).
    std::optional<std::string> receiveUntil(const std::function<bool(const std::string&)>& wanted,
                                            std::chrono::milliseconds limit = std::chrono::seconds(20)) {
        const auto until = std::chrono::steady_clock::now() + limit;
        for (auto now = std::chrono::steady_clock::now(); now < until; now = std::chrono::steady_clock::now()) {
            auto d = receive(std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
            if (d && wanted(*d)) return d;
        }
        return std::nullopt;
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    bool bound_ = false;
};

// A daemon's output so far (none before its child has opened the file).
std::string logOf(const std::filesystem::path& file) {
    return std::filesystem::exists(file) ? Files::read(file) : std::string();
}

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// The journal's native protocol: KEY=VALUE lines (values without a newline are sent so).
std::map<std::string, std::string> journalFields(const std::string& datagram) {
    std::map<std::string, std::string> out;
    std::istringstream lines(datagram);
    for (std::string line; std::getline(lines, line);) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
}

int agentStatus(const TestAgent& agent, std::string* out) {
    return Subprocess::run({bin("mamori-agent"), "status", "--config", agent.config()}, out);
}

class ServiceManager : public ::testing::Test {
protected:
    ServiceManager() : dir_(tempDir("service")) {
        std::filesystem::create_directories(dir_ / "usb");
        std::ofstream(dir_ / "utmp").flush();
        std::ofstream(dir_ / "btmp").flush();
    }
    ~ServiceManager() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    // WATCHDOG=1 datagrams, up to five. With WATCHDOG_USEC=200000 they come 100 ms apart: five
    // within a second and a half, however the test is scheduled.
    static int watchdogPings(DatagramSocket& notify) {
        int pings = 0;
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
        while (pings < 5 && std::chrono::steady_clock::now() < until)
            if (auto d = notify.receive(std::chrono::milliseconds(500)); d && *d == "WATCHDOG=1") ++pings;
        return pings;
    }
    // Only files of this test: no USB bus, no dpkg, no sessions.
    std::string agentConfig() const {
        return "utmp_file = " + (dir_ / "utmp").string() + "\nbtmp_file = " + (dir_ / "btmp").string() +
               "\nusb_sysfs_root = " + (dir_ / "usb").string() + "\nsoftware_control = off\n";
    }
    std::filesystem::path dir_;
};

// READY=1 once both listeners accept, WATCHDOG=1 every half WATCHDOG_USEC, STOPPING=1 at SIGTERM.
TEST_F(ServiceManager, TheCollectorNotifiesReadyPingsTheWatchdogAndSaysWhenItStops) {
    DatagramSocket notify(dir_ / "notify");
    ASSERT_TRUE(notify.bound());
    TestCollector collector(dir_ / "collector");
    Subprocess proc({"/usr/bin/env", "NOTIFY_SOCKET=" + (dir_ / "notify").string(), "WATCHDOG_USEC=200000",
                     bin("mamori-collector"), "run", "--dir", (dir_ / "collector").string()},
                    dir_ / "collector.log");
    const auto ready = notify.receiveUntil([](const std::string& d) { return has(d, "READY=1"); });
    ASSERT_TRUE(ready) << logOf(dir_ / "collector.log");
    EXPECT_TRUE(has(*ready, "STATUS=serving agents on port " + std::to_string(collector.agentPort()))) << *ready;
    EXPECT_TRUE(TestCollector::connectable(collector.agentPort()) && TestCollector::connectable(collector.adminPort()))
        << "READY before the listeners accept";
    EXPECT_EQ(watchdogPings(notify), 5);
    ::kill(proc.pid(), SIGTERM);
    EXPECT_TRUE(notify.receiveUntil([](const std::string& d) { return d == "STOPPING=1"; }));
    EXPECT_EQ(proc.wait(std::chrono::seconds(10)), 0);
}

// The agent: ready once its controls are up. Its watchdog counts only for the pid systemd named
// (WATCHDOG_PID): a shell gives the daemon its own pid through exec.
TEST_F(ServiceManager, TheAgentNotifiesReadyAndPingsOnlyAWatchdogMeantForIt) {
    DatagramSocket notify(dir_ / "notify");
    ASSERT_TRUE(notify.bound());
    TestAgent agent(dir_ / "agent", agentConfig());
    const std::string env = "NOTIFY_SOCKET=" + (dir_ / "notify").string() + " WATCHDOG_USEC=200000";
    {
        Subprocess proc({"/bin/sh", "-c", "WATCHDOG_PID=$$ " + env + " exec " + bin("mamori-agent") +
                                              " run --config " + agent.config()},
                        dir_ / "agent.log");
        const auto ready = notify.receiveUntil([](const std::string& d) { return has(d, "READY=1"); });
        ASSERT_TRUE(ready) << logOf(dir_ / "agent.log");
        EXPECT_TRUE(has(*ready, "STATUS=guarding, not enrolled")) << *ready;
        EXPECT_EQ(watchdogPings(notify), 5);
        ::kill(proc.pid(), SIGTERM);
        EXPECT_TRUE(notify.receiveUntil([](const std::string& d) { return d == "STOPPING=1"; }));
        EXPECT_EQ(proc.wait(std::chrono::seconds(10)), 0) << logOf(dir_ / "agent.log");
    }
    // Another process's watchdog (pid 1's): ready, but no ping.
    Subprocess proc({"/usr/bin/env", "WATCHDOG_PID=1", "NOTIFY_SOCKET=" + (dir_ / "notify").string(),
                     "WATCHDOG_USEC=200000", bin("mamori-agent"), "run", "--config", agent.config()},
                    dir_ / "agent.log");
    ASSERT_TRUE(notify.receiveUntil([](const std::string& d) { return has(d, "READY=1"); }));
    EXPECT_FALSE(notify.receiveUntil([](const std::string& d) { return d == "WATCHDOG=1"; }, std::chrono::seconds(1)));
    EXPECT_EQ(proc.kill(SIGTERM), 0);
}

// Under systemd, stderr is the journal's stream (JOURNAL_STREAM names it) and messages go to the
// journal's socket natively: priority and the event's fields. The socket is bound where
// libsystemd sends, so this needs root and a machine whose journal is not running.
TEST_F(ServiceManager, UnderSystemdMessagesReachTheJournalWithTheirPriorityAndFields) {
    const std::filesystem::path socket_dir = "/run/systemd/journal", socket_path = socket_dir / "socket";
    if (std::filesystem::exists(socket_path)) GTEST_SKIP() << socket_path << " exists: a journal runs here";
    if (::geteuid() != 0) GTEST_SKIP() << "binding " << socket_path << " needs root";
    std::vector<std::filesystem::path> made;  // the directories this test creates, removed after it
    for (auto p = socket_dir; !std::filesystem::exists(p); p = p.parent_path()) made.push_back(p);
    std::filesystem::create_directories(socket_dir);
    {
        DatagramSocket journal(socket_path);
        ASSERT_TRUE(journal.bound());
        // The stream systemd would connect stderr to.
        int stream[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stream), 0);
        struct stat st {};
        ASSERT_EQ(::fstat(stream[1], &st), 0);
        const std::string journal_stream = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
        // A standalone terminal whose profile is broken: POLICY_REJECTED, logged as a warning.
        std::ofstream(dir_ / "broken.yaml") << "usb: [\n";
        TestAgent agent(dir_ / "agent", agentConfig() + "policy_file = " + (dir_ / "broken.yaml").string() + "\n");
        const std::string program = bin("mamori-agent"), config = agent.config();
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::dup2(stream[1], STDERR_FILENO);
            ::setenv("JOURNAL_STREAM", journal_stream.c_str(), 1);
            ::execl(program.c_str(), program.c_str(), "run", "--config", config.c_str(), nullptr);
            ::_exit(127);
        }
        ::close(stream[1]);
        const auto refused = journal.receiveUntil(
            [](const std::string& d) { return journalFields(d)["MAMORI_EVENT"] == "POLICY_REJECTED"; });
        ::kill(pid, SIGTERM);
        int status = 0;
        ::waitpid(pid, &status, 0);
        // What reached the stream instead of the journal: nothing, as long as the journal takes it.
        std::string stray(4096, '\0');
        const ssize_t n = ::recv(stream[0], stray.data(), stray.size(), MSG_DONTWAIT);
        ::close(stream[0]);
        ASSERT_TRUE(refused) << "no POLICY_REJECTED reached the journal";
        auto f = journalFields(*refused);
        EXPECT_EQ(f["PRIORITY"], "4");
        EXPECT_EQ(f["SYSLOG_IDENTIFIER"], "mamori-agent");
        EXPECT_EQ(f["MAMORI_TERMINAL"], "unenrolled");
        EXPECT_GT(std::stoull(f["MAMORI_SEQ"]), 0u);
        EXPECT_TRUE(has(f["MESSAGE"], "refused")) << f["MESSAGE"];
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        EXPECT_LE(n, 0) << "written to stderr too: " << stray.substr(0, static_cast<size_t>(std::max<ssize_t>(n, 0)));
    }
    for (const auto& p : made) std::filesystem::remove_all(p);
}

// Without the journal, each line carries its sd-daemon priority, then the time and program.
TEST_F(ServiceManager, WithoutTheJournalLinesCarryTheirPriorityPrefix) {
    TestCollector collector(dir_ / "collector");
    collector.start();
    EXPECT_EQ(collector.stop(), 0);
    const std::string log = collector.logText();
    EXPECT_TRUE(has(log, "<6>2")) << log;
    EXPECT_TRUE(has(log, "Z mamori-collector info: serving agents on port")) << log;
    // A bad log_level stops the start, in both languages, naming file and line.
    std::ofstream(dir_ / "collector" / "collector.conf", std::ios::app) << "log_level = verbose\n";
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "run", "--dir", (dir_ / "collector").string()}, &out), 1);
    EXPECT_TRUE(has(out, "collector.conf:")) << out;
    EXPECT_TRUE(has(out, "'log_level' must be one of debug, info, warning, error, found 'verbose'")) << out;
    EXPECT_TRUE(has(out, "のいずれかを指定してください")) << out;
}

// --log-level debug overrides the file; debug lines carry <7>.
TEST_F(ServiceManager, AgentLogLevelFlagOverridesTheConfig) {
    TestAgent agent(dir_ / "agent", agentConfig() + "log_level = error\n");
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamori-agent"), "status", "--config", agent.config(), "--log-level", "loud"}, &out),
              2)
        << out;
    Subprocess proc({bin("mamori-agent"), "run", "--config", agent.config(), "--log-level", "debug"},
                    dir_ / "agent.log");
    EXPECT_TRUE(waitFor([&] { return has(logOf(dir_ / "agent.log"), "<7>"); })) << logOf(dir_ / "agent.log");
    EXPECT_EQ(proc.kill(SIGTERM), 0);
}

// 4 not running (whatever pid the file still names, even after a SIGKILL), 6 running but not enrolled, 5 enrolled but
// nothing uploaded since the start, 0 once it reports.
TEST_F(ServiceManager, AgentStatusExitsWithWhetherItRunsAndReports) {
    TestCollector collector(dir_ / "collector");
    collector.start();
    TestAgent agent(dir_ / "agent", agentConfig());
    std::string out;
    EXPECT_EQ(agentStatus(agent, &out), 4) << out;
    EXPECT_TRUE(has(out, "mamori-agent is not running")) << out;
    EXPECT_TRUE(has(out, "mamori-agent が動作していません")) << out;

    agent.start();
    EXPECT_EQ(agentStatus(agent, &out), 6) << out;
    EXPECT_TRUE(has(out, "is running (pid " + std::to_string(agent.pid()) + ") but not enrolled")) << out;
    EXPECT_EQ(agent.stop(), 0);

    agent.enroll(collector.agentUrl(), collector.token());
    collector.stop();
    agent.start();
    EXPECT_EQ(agentStatus(agent, &out), 5) << out;
    EXPECT_TRUE(has(out, "but not reporting: no upload has succeeded since it started")) << out;
    EXPECT_TRUE(has(out, "報告できていません")) << out;
    collector.start();
    EXPECT_TRUE(waitFor([&] { return agentStatus(agent, &out) == 0; }, std::chrono::seconds(60))) << out;
    EXPECT_TRUE(has(out, "and reporting")) << out;
    // The same figures for node_exporter's textfile collector, in a file promtool accepts.
    const auto textfile = agent.state() / "metrics.prom";
    ASSERT_TRUE(waitFor([&] { return has(mamori::common::Files::read(textfile), "mamori_agent_reporting 1"); }))
        << mamori::common::Files::read(textfile);
    const std::string figures = mamori::common::Files::read(textfile);
    EXPECT_TRUE(has(figures, "mamori_agent_enrolled 1\n")) << figures;
    EXPECT_TRUE(has(figures, "mamori_agent_heartbeat_seconds ")) << figures;
    EXPECT_FALSE(has(figures, "mamori_agent_last_upload_timestamp_seconds 0\n")) << figures;
    if (std::filesystem::exists("/usr/bin/promtool")) {
        EXPECT_EQ(Subprocess::run({"/bin/sh", "-c", "/usr/bin/promtool check metrics < '" + textfile.string() + "'"}, &out), 0)
            << out;
    }

    const pid_t was = agent.pid();
    EXPECT_EQ(agent.stop(), 0);
    EXPECT_EQ(agentStatus(agent, &out), 4) << out;
    EXPECT_TRUE(has(out, "by pid " + std::to_string(was))) << "the file still names the stopped agent: " << out;
    // Killed, it cleans nothing up; the kernel drops its lock all the same.
    agent.start();
    ASSERT_TRUE(waitFor([&] { return agentStatus(agent, &out) == 0; }, std::chrono::seconds(60))) << out;
    agent.stop(SIGKILL);
    EXPECT_EQ(agentStatus(agent, &out), 4) << out;
    // Exit codes are in the help.
    Subprocess::run({bin("mamori-agent"), "status", "--help"}, &out);
    EXPECT_TRUE(has(out, "4 not running, 5 running but not reporting, 6 running but not enrolled")) << out;
}

}  // namespace
