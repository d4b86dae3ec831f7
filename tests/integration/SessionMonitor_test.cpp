// The Linux session monitor against real utmp/btmp files written the way login programs write
// them (pututxline, updwtmpx), in a temp folder instead of /var/run and /var/log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmpx.h>

#include <boost/asio/io_context.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "mamori/platform/SessionMonitor.h"

namespace {

using namespace std::chrono_literals;
using mamori::platform::SessionChange;
using Kind = SessionChange::Kind;
using Clock = std::chrono::steady_clock;

utmpx record(short type, const std::string& user, const std::string& line, const std::string& host, pid_t pid,
             int64_t when) {
    utmpx r{};
    r.ut_type = type;
    r.ut_pid = pid;
    std::strncpy(r.ut_user, user.c_str(), sizeof r.ut_user);
    std::strncpy(r.ut_line, line.c_str(), sizeof r.ut_line);
    std::strncpy(r.ut_id, line.size() > 4 ? line.substr(line.size() - 4).c_str() : line.c_str(), sizeof r.ut_id);
    std::strncpy(r.ut_host, host.c_str(), sizeof r.ut_host);
    r.ut_tv.tv_sec = static_cast<int32_t>(when);
    return r;
}

class SessionMonitorTest : public ::testing::Test {
protected:
    SessionMonitorTest() {
        static int n = 0;
        dir_ = std::filesystem::temp_directory_path() /
               ("mamori-sessions-" + std::to_string(getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(dir_);
        files_.utmp = dir_ / "utmp";
        files_.btmp = dir_ / "btmp";
        std::ofstream(files_.utmp).flush();
        std::ofstream(files_.btmp).flush();
        monitor_ = mamori::platform::sessionMonitor(io_.get_executor(), files_);
    }
    ~SessionMonitorTest() override {
        for (pid_t p : children_) {
            ::kill(p, SIGKILL);
            ::waitpid(p, nullptr, 0);
        }
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    // A process to stand for a session leader (a login shell).
    pid_t leader() {
        pid_t p = fork();
        if (p == 0) {
            execlp("sleep", "sleep", "60", static_cast<char*>(nullptr));
            _exit(127);
        }
        children_.push_back(p);
        return p;
    }
    void write(const utmpx& r) {
        ASSERT_EQ(utmpxname(files_.utmp.c_str()), 0);
        setutxent();
        ASSERT_NE(pututxline(&r), nullptr) << std::strerror(errno);
        endutxent();
    }
    template <class P>
    bool runUntil(P pred, Clock::duration limit = 5s) {
        auto end = Clock::now() + limit;
        while (!pred()) {
            if (Clock::now() > end) return false;
            io_.restart();  // run_for() stops the reactor whenever it runs out of work
            io_.run_for(20ms);
        }
        return true;
    }
    void start() {
        monitor_->start([this](const SessionChange& c) { changes_.push_back(c); });
    }

    std::filesystem::path dir_;
    mamori::platform::SessionFiles files_;
    boost::asio::io_context io_;
    std::unique_ptr<mamori::platform::SessionMonitor> monitor_;
    std::vector<SessionChange> changes_;
    std::vector<pid_t> children_;
};

TEST_F(SessionMonitorTest, LogonAndLogoffFromUtmp) {
    start();
    pid_t pid = leader();
    write(record(USER_PROCESS, "yamada", "pts/7", "192.0.2.10", pid, 1750000000));
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].kind, Kind::Logon);
    EXPECT_EQ(changes_[0].session.user, "yamada");
    EXPECT_EQ(changes_[0].session.line, "pts/7");
    EXPECT_EQ(changes_[0].session.host, "192.0.2.10");
    EXPECT_EQ(changes_[0].session.pid, pid);
    EXPECT_EQ(changes_[0].time_unix, 1750000000);
    ASSERT_EQ(monitor_->active().size(), 1u);

    write(record(DEAD_PROCESS, "", "pts/7", "", pid, 1750003600));
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 2; }));
    EXPECT_EQ(changes_[1].kind, Kind::Logoff);
    EXPECT_EQ(changes_[1].session.user, "yamada");
    EXPECT_EQ(changes_[1].time_unix, 1750003600) << "the time the logout program recorded";
    EXPECT_TRUE(monitor_->active().empty());
}

TEST_F(SessionMonitorTest, SessionsBeforeStartAreActiveButNotNewLogons) {
    pid_t pid = leader();
    write(record(USER_PROCESS, "kobayashi", ":0", ":0", pid, 1750000000));
    start();
    io_.run_for(200ms);
    EXPECT_TRUE(changes_.empty());
    auto active = monitor_->active();
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].display(), ":0");
}

TEST_F(SessionMonitorTest, StaleRecordOfADeadLeaderIsNotActive) {
    pid_t pid = leader();
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    children_.clear();
    write(record(USER_PROCESS, "ghost", "tty3", "", pid, 1750000000));
    EXPECT_TRUE(monitor_->active().empty());
}

TEST_F(SessionMonitorTest, FailedLogonsFromBtmpOnlyNewOnes) {
    auto old = record(LOGIN_PROCESS, "admin", "ssh:notty", "198.51.100.1", 0, 1740000000);
    updwtmpx(files_.btmp.c_str(), &old);
    start();
    auto attempt = record(LOGIN_PROCESS, "root\x1b[2J", "ssh:notty", "203.0.113.9", 0, 1750000000);
    updwtmpx(files_.btmp.c_str(), &attempt);
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].kind, Kind::LogonFailed);
    EXPECT_EQ(changes_[0].session.user, "root?[2J") << "terminal escapes typed at a prompt are defused";
    EXPECT_EQ(changes_[0].session.host, "203.0.113.9");
    EXPECT_EQ(changes_[0].time_unix, 1750000000);
    io_.run_for(100ms);
    EXPECT_EQ(changes_.size(), 1u) << "the attempt from before the start is not replayed";
}

TEST_F(SessionMonitorTest, RotatedBtmpIsFollowed) {
    start();
    std::filesystem::rename(files_.btmp, dir_ / "btmp.1");
    std::ofstream(files_.btmp).flush();
    auto attempt = record(LOGIN_PROCESS, "guest", "ssh:notty", "203.0.113.7", 0, 1750000000);
    updwtmpx(files_.btmp.c_str(), &attempt);
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].session.user, "guest");
}

TEST_F(SessionMonitorTest, FailedLogonsWhileNoAgentRanAreReportedAtTheNextStart) {
    files_.btmp_position = dir_ / "btmp.position";
    auto history = record(LOGIN_PROCESS, "old", "ssh:notty", "198.51.100.1", 0, 1740000000);
    updwtmpx(files_.btmp.c_str(), &history);
    monitor_ = mamori::platform::sessionMonitor(io_.get_executor(), files_);
    start();
    auto first = record(LOGIN_PROCESS, "first", "ssh:notty", "203.0.113.1", 0, 1750000000);
    updwtmpx(files_.btmp.c_str(), &first);
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].session.user, "first") << "the machine's history before the first start is not replayed";

    monitor_.reset();  // the agent stops
    auto missed = record(LOGIN_PROCESS, "missed", "ssh:notty", "203.0.113.2", 0, 1750000100);
    updwtmpx(files_.btmp.c_str(), &missed);
    changes_.clear();
    monitor_ = mamori::platform::sessionMonitor(io_.get_executor(), files_);
    start();
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].kind, Kind::LogonFailed);
    EXPECT_EQ(changes_[0].session.user, "missed");
    EXPECT_EQ(changes_[0].time_unix, 1750000100);

    // Rotated while down: the new file is read from its start, once.
    monitor_.reset();
    std::filesystem::rename(files_.btmp, dir_ / "btmp.1");
    std::ofstream(files_.btmp).flush();  // as logrotate does: updwtmpx appends, never creates
    auto after_rotation = record(LOGIN_PROCESS, "rotated", "ssh:notty", "203.0.113.3", 0, 1750000200);
    updwtmpx(files_.btmp.c_str(), &after_rotation);
    changes_.clear();
    monitor_ = mamori::platform::sessionMonitor(io_.get_executor(), files_);
    start();
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].session.user, "rotated");
    io_.run_for(200ms);
    EXPECT_EQ(changes_.size(), 1u) << "nothing is reported twice";
    EXPECT_EQ(std::filesystem::status(files_.btmp_position).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// An agent killed after journaling an attempt, before it saved btmp.position: the journal's
// position is the later one, so the next start does not read the attempt again.
TEST_F(SessionMonitorTest, AnAttemptJournaledBeforeItsPositionWasSavedIsNotReadAgain) {
    files_.btmp_position = dir_ / "btmp.position";
    std::optional<std::string> journal;  // what the listener journaled with its last report
    files_.journaled_position = [&] { return journal; };
    monitor_ = mamori::platform::sessionMonitor(io_.get_executor(), files_);
    monitor_->start([&](const SessionChange& c) {
        changes_.push_back(c);
        journal = c.position;
    });
    io_.run_for(100ms);
    std::ifstream before_in(files_.btmp_position);
    const std::string before((std::istreambuf_iterator<char>(before_in)), {});

    auto first = record(LOGIN_PROCESS, "first", "ssh:notty", "203.0.113.1", 0, 1750000000);
    updwtmpx(files_.btmp.c_str(), &first);
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    ASSERT_TRUE(journal && !journal->empty());
    monitor_.reset();
    std::ofstream(files_.btmp_position, std::ios::trunc) << before;  // the save that never happened

    auto second = record(LOGIN_PROCESS, "second", "ssh:notty", "203.0.113.2", 0, 1750000100);
    updwtmpx(files_.btmp.c_str(), &second);
    changes_.clear();
    monitor_ = mamori::platform::sessionMonitor(io_.get_executor(), files_);
    start();
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].session.user, "second");
    io_.run_for(200ms);
    EXPECT_EQ(changes_.size(), 1u) << "the attempt journaled before the kill is not reported again";
}

// The position file of an older agent (no steps) is where the next start reads from, even
// against a later step in the journal: that older agent ran after the journal's position was
// written (an older package put back, then this one again).
TEST_F(SessionMonitorTest, APositionFileWithoutStepsStandsAgainstTheJournal) {
    files_.btmp_position = dir_ / "btmp.position";
    auto seen = record(LOGIN_PROCESS, "seen", "ssh:notty", "203.0.113.1", 0, 1750000000);
    updwtmpx(files_.btmp.c_str(), &seen);
    struct stat st {};
    ASSERT_EQ(::stat(files_.btmp.c_str(), &st), 0);
    std::ofstream(files_.btmp_position) << st.st_dev << ' ' << st.st_ino << ' ' << st.st_size << '\n';
    const std::string stale = std::to_string(st.st_dev) + ' ' + std::to_string(st.st_ino) + " 0 99";
    files_.journaled_position = [&] { return std::optional(stale); };
    auto missed = record(LOGIN_PROCESS, "missed", "ssh:notty", "203.0.113.2", 0, 1750000100);
    updwtmpx(files_.btmp.c_str(), &missed);
    monitor_ = mamori::platform::sessionMonitor(io_.get_executor(), files_);
    start();
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    EXPECT_EQ(changes_[0].session.user, "missed");
    io_.run_for(200ms);
    EXPECT_EQ(changes_.size(), 1u);
    // Steps go on past the journal's, so its stale position never looks later again.
    std::ifstream in(files_.btmp_position);
    unsigned long long dev = 0, ino = 0, offset = 0, step = 0;
    ASSERT_TRUE(in >> dev >> ino >> offset >> step);
    EXPECT_GT(step, 99u);
}

TEST_F(SessionMonitorTest, LogoffHangsUpTheSessionLeader) {
    start();
    pid_t pid = leader();
    write(record(USER_PROCESS, "ito", "pts/9", "", pid, 1750000000));
    ASSERT_TRUE(runUntil([&] { return changes_.size() == 1; }));
    ASSERT_TRUE(monitor_->logoff(changes_[0].session));
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    children_.clear();
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGHUP);
    EXPECT_FALSE(monitor_->logoff(changes_[0].session)) << "no process any more";
}

}  // namespace
