// SoftwareControl against the real kernel: fanotify permission events on a private tmpfs, real
// programs copied there, a made-up dpkg database, and the real journal. The control runs in a
// forked "watcher" process (as in the agent), so the execs this test makes are not its
// descendants, and the watcher can be killed mid-stream.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "agent/EventSink.h"
#include "agent/FileDigests.h"
#include "agent/Journal.h"
#include "agent/SoftwareControl.h"
#include "agent/WorkPool.h"
#include "platform/linux/MountTable.h"
#include "mamori/platform/Clock.h"
#include "mamori/proto/Ed25519Key.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace v1 = mamori::v1;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

const char* kPackage = "mamori-test-tools";
// The terminal the watcher is, in group 税務課 (its policy's group, as the collector signs it).
const char* kTerminal = "term-exec";

std::string digestsOf(const fs::path& p, bool md5) {
    auto d = mamori::agent::FileDigests::ofFile(p.string(), 1ull << 40);
    return d ? (md5 ? d->md5 : d->sha256) : "";
}

// Runs path the way a shell would; the exit status, or -errno when the exec was refused.
int run(const fs::path& path) {
    pid_t pid;
    std::string p = path.string();
    char* argv[] = {p.data(), nullptr};
    int rc = posix_spawn(&pid, p.c_str(), nullptr, nullptr, argv, environ);
    if (rc != 0) return -rc;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Starts `count` processes that all exec at the same moment (they wait on one pipe), so the
// kernel queues that many permission events at once. Returns each one's exit status (exec
// refused: 100 + errno), or nothing for those that did not finish within `limit`.
std::vector<std::optional<int>> stampede(const std::vector<fs::path>& programs, size_t count,
                                         std::chrono::milliseconds limit, const std::function<void()>& during = {}) {
    int gate[2];
    if (pipe2(gate, O_CLOEXEC) != 0) return {};
    std::vector<pid_t> pids;
    for (size_t i = 0; i < count; ++i) {
        const std::string path = programs[i % programs.size()].string();
        pid_t pid = fork();
        if (pid == 0) {
            close(gate[1]);
            char c;
            while (read(gate[0], &c, 1) < 0 && errno == EINTR) {
            }
            char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
            execv(path.c_str(), argv);
            _exit(100 + errno);
        }
        pids.push_back(pid);
    }
    close(gate[0]);
    close(gate[1]);  // go
    if (during) during();
    std::vector<std::optional<int>> out(count);
    size_t left = count;
    const auto until = Steady::now() + limit;
    while (left && Steady::now() < until) {
        bool any = false;
        for (size_t i = 0; i < count; ++i) {
            if (out[i]) continue;
            int status = 0;
            if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                out[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                --left;
                any = true;
            }
        }
        if (!any) std::this_thread::sleep_for(5ms);
    }
    for (size_t i = 0; i < count; ++i) {
        if (out[i]) continue;
        ::kill(pids[i], SIGKILL);  // a hung exec: record it as unfinished, leave nothing behind
        waitpid(pids[i], nullptr, 0);
    }
    return out;
}

class SoftwareControlOnFanotify : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "fanotify permission events need root";
        std::string tmpl = (fs::temp_directory_path() / "mamori-exec-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        base_ = tmpl;
        mnt_ = base_ / "mnt";
        state_ = base_ / "state";
        fs::create_directories(mnt_);
        fs::create_directories(state_ / "dpkg" / "info");
        // The mount lives in a mount namespace of this test's own, so it vanishes with the test
        // process even when a timeout kills it before TearDown.
        ASSERT_EQ(unshare(CLONE_NEWNS), 0) << strerror(errno);
        ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0) << strerror(errno);
        // Only this private tmpfs is ever marked: nothing else on the machine is held.
        ASSERT_EQ(mount("tmpfs", mnt_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=512m,mode=0755"), 0)
            << strerror(errno);
        mounted_ = true;
        for (const char* d : {"pkg", "approved", "unlisted", "home"}) fs::create_directories(mnt_ / d);
        copy("/bin/true", mnt_ / "pkg" / "true");
        copy("/bin/true", mnt_ / "approved" / "true");
        copy("/bin/true", mnt_ / "unlisted" / "true");
        copy("/bin/echo", mnt_ / "unlisted" / "echo-approved");
        writeDpkg({});
    }

    void TearDown() override {
        stopWatcher();
        if (mounted_) umount2(mnt_.c_str(), MNT_DETACH);
        std::error_code ec;
        fs::remove_all(base_, ec);
    }

    static void copy(const fs::path& from, const fs::path& to) {
        fs::copy_file(from, to, fs::copy_options::overwrite_existing);
        fs::permissions(to, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    }

    // A dpkg database in which kPackage owns <mnt>/pkg/true with /bin/true's checksum, written
    // as dpkg writes it: status-new, then renamed over status.
    void writeDpkg(const std::vector<std::string>& extra_packages) {
        std::ofstream status(state_ / "dpkg" / "status-new");
        status << "Package: " << kPackage << "\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n\n";
        for (const auto& p : extra_packages) {
            status << "Package: " << p << "\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0\n\n";
        }
        status.close();
        fs::rename(state_ / "dpkg" / "status-new", state_ / "dpkg" / "status");
        const fs::path owned = mnt_ / "pkg" / "true";
        std::ofstream(state_ / "dpkg" / "info" / (std::string(kPackage) + ".list"))
            << "/.\n" << (mnt_ / "pkg").string() << "\n" << owned.string() << "\n";
        std::ofstream(state_ / "dpkg" / "info" / (std::string(kPackage) + ".md5sums"))
            << digestsOf("/bin/true", true) << "  " << owned.string().substr(1) << "\n";
    }

    v1::Policy policy(v1::Mode mode) const {
        v1::Policy p;
        auto* s = p.mutable_software();
        s->set_mode(mode);
        s->add_allowed_packages()->set_name("mamori-test-*");
        s->add_allowed_path_prefixes((mnt_ / "approved").string() + "/");
        s->add_allowed_sha256(digestsOf(mnt_ / "unlisted" / "echo-approved", false));
        s->add_denied_categories("p2p");
        s->add_watch_mounts(mnt_.string());
        s->add_scan_paths((mnt_ / "home").string());
        s->set_decision_deadline_ms(2000);
        s->set_on_deadline(v1::DEADLINE_ALLOW);
        return p;
    }

    // The watcher: a process holding a real SoftwareControl on its own reactor, as the agent does.
    // after_ready runs on that reactor once the policy is applied.
    void startWatcher(const v1::Policy& p, std::function<void()> after_ready = {}) {
        int ready[2];
        ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(ready[0]);
            int rc = 0;
            try {
                rc = watch(p, ready[1], after_ready);
            } catch (const std::exception& e) {
                fprintf(stderr, "watcher: %s\n", e.what());
                rc = 3;
            }
            _exit(rc);
        }
        close(ready[1]);
        watcher_ = pid;
        char c = 0;
        ASSERT_EQ(read(ready[0], &c, 1), 1) << "the watcher did not start";
        close(ready[0]);
    }

    int watch(const v1::Policy& p, int ready_fd, const std::function<void()>& after_ready) {
        boost::asio::io_context io;
        auto clock = mamori::platform::systemClock();
        mamori::agent::Journal journal(state_ / "journal.db", key_, 64ull << 20);
        mamori::agent::EventSink sink(journal, *clock, "term-exec");
        mamori::agent::AgentConfig config;
        config.state_dir = state_;
        config.dpkg_status = state_ / "dpkg" / "status";
        config.dpkg_info_dir = state_ / "dpkg" / "info";
        mamori::agent::WorkPool work("mamori-work", 2);  // as in the agent
        auto control = mamori::agent::SoftwareControl::create(
            {io.get_executor(), sink, *clock, config, work.executor(), {}, kTerminal});
        std::string why;
        if (!control->check(p, why)) return 4;
        control->apply(p);
        boost::asio::signal_set stop(io, SIGTERM);
        stop.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
        if (write(ready_fd, "1", 1) != 1) return 5;
        if (after_ready) boost::asio::post(io, after_ready);
        io.run();
        work.stop();
        control.reset();
        return 0;
    }

    // true when the watcher exited on its own after sig, false when it had to be killed.
    bool stopWatcher(int sig = SIGTERM) {
        if (watcher_ <= 0) return true;
        ::kill(watcher_, sig);
        int status = 0;
        for (int i = 0; i < 1000 && waitpid(watcher_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(10ms);
        const bool exited = waitpid(watcher_, &status, WNOHANG) != 0;
        if (!exited) {
            ::kill(watcher_, SIGKILL);
            waitpid(watcher_, &status, 0);
        }
        watcher_ = -1;
        return exited;
    }

    std::vector<v1::EventBody> events(v1::EventType type) {
        mamori::agent::Journal journal(state_ / "journal.db", key_, 64ull << 20);
        std::vector<v1::EventBody> out;
        for (const auto& e : journal.pending(100000)) {
            v1::EventBody b;
            b.ParseFromString(e.body());
            if (b.type() == type) out.push_back(std::move(b));
        }
        return out;
    }

    fs::path base_, mnt_, state_;
    bool mounted_ = false;
    pid_t watcher_ = -1;
    mamori::proto::Ed25519Key key_ = mamori::proto::Ed25519Key::generate();
};

TEST_F(SoftwareControlOnFanotify, EnforceRunsApprovedProgramsAndRefusesTheRestWithEperm) {
    // A modified copy of the packaged program: same path, different bytes.
    copy("/bin/true", mnt_ / "pkg" / "true.orig");
    startWatcher(policy(v1::ENFORCE));
    EXPECT_EQ(run(mnt_ / "pkg" / "true"), 0);                   // owned by an approved package, unmodified
    EXPECT_EQ(run(mnt_ / "approved" / "true"), 0);              // approved path prefix
    EXPECT_EQ(run(mnt_ / "unlisted" / "echo-approved"), 0);     // approved SHA-256
    EXPECT_EQ(run(mnt_ / "unlisted" / "true"), -EPERM);         // nothing approves it
    EXPECT_EQ(run(mnt_ / "pkg" / "true.orig"), -EPERM);         // not listed by the package
    {
        std::ofstream f(mnt_ / "pkg" / "true", std::ios::app);
        f << "tampered";  // ELF ignores trailing bytes: it would still run
    }
    EXPECT_EQ(run(mnt_ / "pkg" / "true"), -EPERM);
    stopWatcher();
    // With the watcher gone, the same program runs: proof that the refusal was ours.
    EXPECT_EQ(run(mnt_ / "pkg" / "true"), 0);

    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 3u);
    std::map<std::string, v1::EventBody> by_path;
    for (auto& e : ev) by_path[e.software().path()] = e;
    const auto& unlisted = by_path[(mnt_ / "unlisted" / "true").string()];
    EXPECT_EQ(unlisted.rule_id(), "not-approved");
    EXPECT_EQ(unlisted.outcome(), v1::ENFORCED);
    EXPECT_TRUE(unlisted.violation());
    EXPECT_EQ(unlisted.software().sha256(), digestsOf("/bin/true", false));
    EXPECT_EQ(unlisted.software().uid(), 0u);
    EXPECT_NE(unlisted.software().pid(), 0u);
    EXPECT_NE(unlisted.software().parent().find("mamori_integration_tests"), std::string::npos)
        << unlisted.software().parent();
    const auto& modified = by_path[(mnt_ / "pkg" / "true").string()];
    EXPECT_EQ(modified.rule_id(), std::string("modified:") + kPackage);
    EXPECT_EQ(modified.software().package(), kPackage);
    EXPECT_EQ(modified.software().version(), "1.0-1");
    EXPECT_EQ(by_path[(mnt_ / "pkg" / "true.orig").string()].rule_id(), "not-approved");
}

// A profile's exceptions reach every terminal it is pushed to: the watcher runs only the programs
// excepted for this terminal or its group (by path or by SHA-256; for root, who runs them here,
// or for everyone), and refuses those excepted for another terminal, another group or another user.
TEST_F(SoftwareControlOnFanotify, OnlyExceptionsForThisTerminalOrItsGroupLetAProgramRun) {
    // Copies of true that differ in their trailing bytes (ELF ignores them): one SHA-256 each.
    auto variant = [&](const char* name) {
        const fs::path p = mnt_ / "unlisted" / name;
        copy("/bin/true", p);
        std::ofstream(p, std::ios::app) << name;
        return p;
    };
    const fs::path other_terminal = variant("other-terminal"), other_group = variant("other-group"),
                   mine_by_path = variant("mine-by-path"), group_by_sha = variant("group-by-sha"),
                   for_root = variant("for-root"), for_nobody = variant("for-nobody");
    auto p = policy(v1::ENFORCE);
    p.set_group("税務課");
    const int64_t tomorrow = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count() + 86400;
    auto except = [&](const char* id, const char* terminal, const char* group, const char* user) {
        auto* e = p.add_exceptions();
        e->set_id(id);
        e->set_control(v1::SOFTWARE);
        e->set_terminal(terminal);
        e->set_group(group);
        e->set_user(user);
        e->set_expires_unix(tomorrow);
        return e;
    };
    except("EX-OTHER-TERMINAL", "term-other", "", "")->set_software_sha256(digestsOf(other_terminal, false));
    except("EX-OTHER-GROUP", "", "市民課", "")->set_software_path(other_group.string());
    except("EX-MINE", kTerminal, "", "")->set_software_path(mine_by_path.string());
    except("EX-ZEIMU", "", "税務課", "")->set_software_sha256(digestsOf(group_by_sha, false));
    except("EX-ROOT", kTerminal, "", "root")->set_software_path(for_root.string());
    except("EX-NOBODY", kTerminal, "", "nobody")->set_software_path(for_nobody.string());
    startWatcher(p);
    EXPECT_EQ(run(other_terminal), -EPERM);
    EXPECT_EQ(run(other_group), -EPERM);
    EXPECT_EQ(run(mine_by_path), 0);
    EXPECT_EQ(run(group_by_sha), 0);
    EXPECT_EQ(run(for_root), 0);
    EXPECT_EQ(run(for_nobody), -EPERM);
    stopWatcher();

    std::map<std::string, v1::EventBody> by_path;
    for (auto& e : events(v1::SOFTWARE_UNAPPROVED_EXEC)) by_path[e.software().path()] = e;
    ASSERT_EQ(by_path.size(), 6u);
    for (const auto& refused : {other_terminal, other_group, for_nobody}) {
        EXPECT_EQ(by_path[refused.string()].outcome(), v1::ENFORCED) << refused;
        EXPECT_EQ(by_path[refused.string()].rule_id(), "not-approved") << refused;
    }
    const std::pair<fs::path, const char*> exempted[] = {
        {mine_by_path, "exception:EX-MINE"}, {group_by_sha, "exception:EX-ZEIMU"}, {for_root, "exception:EX-ROOT"}};
    for (const auto& [path, rule] : exempted) {
        EXPECT_EQ(by_path[path.string()].outcome(), v1::EXEMPTED) << path;
        EXPECT_FALSE(by_path[path.string()].violation()) << path;
        EXPECT_EQ(by_path[path.string()].rule_id(), rule) << path;
    }
}

TEST_F(SoftwareControlOnFanotify, MonitorLetsEverythingRunAndReportsIt) {
    copy("/bin/true", mnt_ / "home" / "setup.bin");
    startWatcher(policy(v1::MONITOR));
    EXPECT_EQ(run(mnt_ / "unlisted" / "true"), 0);
    EXPECT_EQ(run(mnt_ / "pkg" / "true"), 0);
    std::this_thread::sleep_for(300ms);  // monitor reports after the fact
    stopWatcher();
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].software().path(), (mnt_ / "unlisted" / "true").string());
    EXPECT_EQ(ev[0].outcome(), v1::MONITORED);
    EXPECT_TRUE(ev[0].violation());
    auto unmanaged = events(v1::SOFTWARE_UNMANAGED_EXECUTABLE);
    ASSERT_EQ(unmanaged.size(), 1u);
    EXPECT_EQ(unmanaged[0].software().path(), (mnt_ / "home" / "setup.bin").string());
}

TEST_F(SoftwareControlOnFanotify, AThousandSimultaneousExecsAllFinish) {
    // A thousand runnable processes on two cores can starve the agent's reactor for seconds;
    // the longest deadline a policy may set keeps every verdict the control's own here.
    auto p = policy(v1::ENFORCE);
    p.mutable_software()->set_decision_deadline_ms(10000);
    startWatcher(p);
    const auto t0 = Steady::now();
    auto results = stampede({mnt_ / "pkg" / "true", mnt_ / "unlisted" / "true"}, 1000, 60s);
    const auto took = Steady::now() - t0;
    stopWatcher();
    ASSERT_EQ(results.size(), 1000u);
    size_t ran = 0, refused = 0;
    for (size_t i = 0; i < results.size(); ++i) {
        ASSERT_TRUE(results[i]) << "exec " << i << " never finished";
        if (i % 2 == 0) {
            EXPECT_EQ(*results[i], 0) << i;
            ran += *results[i] == 0;
        } else {
            EXPECT_EQ(*results[i], 100 + EPERM) << i;
            refused += *results[i] == 100 + EPERM;
        }
    }
    EXPECT_EQ(ran, 500u);
    EXPECT_EQ(refused, 500u);
    EXPECT_EQ(events(v1::SOFTWARE_DECISION_TIMEOUT).size(), 0u);
    std::cout << "1000 simultaneous execs: " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms\n";
}

TEST_F(SoftwareControlOnFanotify, KillingTheWatcherMidStreamLeavesTheMountUsable) {
    startWatcher(policy(v1::ENFORCE));
    const pid_t watcher = watcher_;
    auto results = stampede({mnt_ / "pkg" / "true", mnt_ / "unlisted" / "true"}, 300, 30s, [&] {
        std::this_thread::sleep_for(15ms);
        ::kill(watcher, SIGKILL);
    });
    stopWatcher(SIGKILL);
    for (size_t i = 0; i < results.size(); ++i) {
        ASSERT_TRUE(results[i]) << "exec " << i << " was left hanging by the dead watcher";
        // Refused while the watcher lived, run after it died; never anything else.
        if (i % 2) EXPECT_TRUE(*results[i] == 0 || *results[i] == 100 + EPERM) << *results[i];
        else EXPECT_EQ(*results[i], 0);
    }
    // The kernel dropped the marks with the watcher's descriptor: nothing is held any more.
    auto after = stampede({mnt_ / "unlisted" / "true"}, 1, 5s);
    ASSERT_TRUE(after[0]) << "a mark outlived the watcher";
    EXPECT_EQ(*after[0], 0);
}

TEST_F(SoftwareControlOnFanotify, DeadlineAnswersWhenReadingTakesTooLong) {
    // 192 MiB behind a real ELF header: reading it takes far longer than 10 ms.
    const fs::path big = mnt_ / "unlisted" / "big";
    copy("/bin/true", big);
    {
        std::ofstream f(big, std::ios::app | std::ios::binary);
        std::string mb(1 << 20, '\0');
        for (int i = 0; i < 192; ++i) f.write(mb.data(), mb.size());
    }
    auto p = policy(v1::ENFORCE);
    p.mutable_software()->add_allowed_sha256(digestsOf(big, false));
    p.mutable_software()->set_decision_deadline_ms(10);
    p.mutable_software()->set_on_deadline(v1::DEADLINE_DENY);
    startWatcher(p);
    const auto t0 = Steady::now();
    EXPECT_EQ(run(big), -EPERM);  // the deadline's verdict
    EXPECT_LT(Steady::now() - t0, 1s);
    // Once read, the verdict is cached and the approved hash lets it run at once.
    bool ran = false;
    for (int i = 0; i < 100 && !ran; ++i) {
        std::this_thread::sleep_for(50ms);
        ran = run(big) == 0;
    }
    EXPECT_TRUE(ran);
    stopWatcher();
    auto timeouts = events(v1::SOFTWARE_DECISION_TIMEOUT);
    ASSERT_GE(timeouts.size(), 1u);
    EXPECT_EQ(timeouts[0].software().path(), big.string());
    EXPECT_EQ(timeouts[0].outcome(), v1::ENFORCED);
}

// The Santa/fapolicyd failure: a watcher that waits for a child it started, while that child's
// exec waits for the watcher. The watcher here blocks its only reactor thread in waitpid on
// purpose; the exec must not be held at all.
TEST_F(SoftwareControlOnFanotify, TheWatchersOwnChildrenAreNeverHeld) {
    int result[2];
    ASSERT_EQ(pipe2(result, O_CLOEXEC), 0);
    const fs::path unlisted = mnt_ / "unlisted" / "true";
    auto p = policy(v1::ENFORCE);
    p.mutable_software()->set_decision_deadline_ms(10000);
    p.mutable_software()->set_on_deadline(v1::DEADLINE_DENY);
    startWatcher(p, [&] {
        int rc = run(unlisted);
        (void)!write(result[1], &rc, sizeof rc);
    });
    close(result[1]);
    pollfd pfd{result[0], POLLIN, 0};
    ASSERT_EQ(poll(&pfd, 1, 5000), 1) << "the watcher's own child was held: deadlock";
    int rc = -1;
    ASSERT_EQ(read(result[0], &rc, sizeof rc), static_cast<ssize_t>(sizeof rc));
    close(result[0]);
    EXPECT_EQ(rc, 0);
    // Anyone else running the same program is still refused.
    EXPECT_EQ(run(unlisted), -EPERM);
}

TEST_F(SoftwareControlOnFanotify, PackageDatabaseChangesAreSeenWithoutPolling) {
    startWatcher(policy(v1::MONITOR));
    EXPECT_TRUE(events(v1::SOFTWARE_UNAPPROVED_INSTALLED).empty());
    writeDpkg({"qbittorrent"});  // an installation finished
    std::vector<v1::EventBody> ev;
    for (int i = 0; i < 100 && ev.empty(); ++i) {
        std::this_thread::sleep_for(20ms);
        ev = events(v1::SOFTWARE_UNAPPROVED_INSTALLED);
    }
    stopWatcher();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].software().package(), "qbittorrent");
    EXPECT_EQ(ev[0].software().category(), "p2p");
}

// A filesystem mounted under a watched path after the policy is applied (a stick under /media, a
// user's /run/user/UID) is watched from the moment it appears, and so is the next one mounted in
// its place, which the kernel may give the same device number. One mounted elsewhere is not.
TEST_F(SoftwareControlOnFanotify, FilesystemsMountedLaterUnderAWatchedPathAreWatchedToo) {
    startWatcher(policy(v1::ENFORCE));
    const fs::path stick = mnt_ / "home" / "stick", approved = mnt_ / "approved" / "stick", elsewhere = base_ / "elsewhere";
    for (const auto& d : {stick, approved, elsewhere}) fs::create_directories(d);
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        for (const auto& d : {stick, approved, elsewhere}) {
            ASSERT_EQ(mount("tmpfs", d.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=16m"), 0) << strerror(errno);
            copy("/bin/true", d / "true");
        }
        // The watcher learns of the mount from the kernel, not at its next policy.
        const auto mounted = Steady::now();
        int rc = 0;
        while ((rc = run(stick / "true")) == 0 && Steady::now() - mounted < 5s) std::this_thread::sleep_for(10ms);
        EXPECT_EQ(rc, -EPERM) << "a program on a filesystem mounted later was never held";
        std::cout << "round " << round << ": held "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - mounted).count()
                  << " ms after the mount\n";
        EXPECT_EQ(run(approved / "true"), 0);   // the policy's approved prefix, on the new filesystem
        EXPECT_EQ(run(elsewhere / "true"), 0);  // not under a watched path: never held
        for (const auto& d : {stick, approved, elsewhere}) ASSERT_EQ(umount2(d.c_str(), 0), 0) << strerror(errno);
    }
    stopWatcher();
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 2u);
    for (const auto& e : ev) {
        EXPECT_EQ(e.software().path(), (stick / "true").string());
        EXPECT_EQ(e.outcome(), v1::ENFORCED);
    }
}

// The filesystems a process's fanotify group has marked, as the kernel lists them (the device
// numbers in the kernel's own encoding, major << 20 | minor).
std::set<unsigned long> markedFilesystems(pid_t pid) {
    std::set<unsigned long> out;
    for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fdinfo")) {
        std::ifstream in(fd.path());
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("fanotify sdev:", 0) == 0) out.insert(std::stoul(line.substr(14), nullptr, 16));
        }
    }
    return out;
}

unsigned long kernelDev(uint64_t dev) { return (major(dev) << 20) | minor(dev); }

// Any user may run a FUSE server, and one that never answers holds whoever asks it anything. One
// mounted under a watched path is left unwatched (the kernel would open each exec's file there
// for the watcher), and the watcher goes on judging every other exec.
TEST_F(SoftwareControlOnFanotify, AFuseServerThatNeverAnswersIsLeftOutAndHoldsNothing) {
    if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse";
    startWatcher(policy(v1::ENFORCE));
    const fs::path silent = mnt_ / "home" / "fuse", stick = mnt_ / "home" / "stick";
    fs::create_directories(silent);
    fs::create_directories(stick);
    const int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    ASSERT_GE(fuse, 0) << strerror(errno);
    // Nothing ever reads this descriptor: the server answers nothing, not even the kernel's INIT.
    const std::string opts = "fd=" + std::to_string(fuse) + ",rootmode=40000,user_id=0,group_id=0,allow_other";
    ASSERT_EQ(mount("silent", silent.c_str(), "fuse.silent", MS_NOSUID | MS_NODEV, opts.c_str()), 0) << strerror(errno);
    ASSERT_EQ(mount("tmpfs", stick.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=16m"), 0) << strerror(errno);
    copy("/bin/true", stick / "true");
    // The tmpfs mounted after the FUSE one is watched: the watcher read the table past it.
    int rc = 0;
    for (const auto t0 = Steady::now(); (rc = run(stick / "true")) == 0 && Steady::now() - t0 < 5s;)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(rc, -EPERM);
    EXPECT_EQ(run(mnt_ / "unlisted" / "true"), -EPERM);  // judged within the deadline, not let through by it
    EXPECT_EQ(run(mnt_ / "pkg" / "true"), 0);
    // A package installed: the scan for unmanaged programs walks the home directories again, past
    // the FUSE mount point, and finishes.
    copy("/bin/true", mnt_ / "home" / "later.bin");
    writeDpkg({"another-package"});
    std::vector<v1::EventBody> found;
    for (const auto t0 = Steady::now(); found.empty() && Steady::now() - t0 < 10s;) {
        std::this_thread::sleep_for(20ms);
        found = events(v1::SOFTWARE_UNMANAGED_EXECUTABLE);
    }
    ASSERT_EQ(found.size(), 1u) << "the scan never finished";
    EXPECT_EQ(found[0].software().path(), (mnt_ / "home" / "later.bin").string());
    std::ifstream table("/proc/self/mountinfo");
    const auto mounts = mamori::platform::MountTable::parse(
        std::string(std::istreambuf_iterator<char>(table), std::istreambuf_iterator<char>()));
    std::optional<uint64_t> fuse_dev, stick_dev;
    for (const auto& e : mounts.entries()) {
        if (e.point == silent.string()) fuse_dev = e.device;
        if (e.point == stick.string()) stick_dev = e.device;
    }
    ASSERT_TRUE(fuse_dev && stick_dev);
    const auto marked = markedFilesystems(watcher_);
    EXPECT_TRUE(marked.count(kernelDev(*stick_dev)));
    EXPECT_FALSE(marked.count(kernelDev(*fuse_dev))) << "the FUSE filesystem was marked";
    EXPECT_TRUE(stopWatcher()) << "the watcher did not stop: something of it waits on the FUSE server";
    umount2(stick.c_str(), MNT_DETACH);
    umount2(silent.c_str(), MNT_DETACH);
    close(fuse);  // ends the connection: anything still waiting on it fails
}

// How many read calls a process has made (/proc/PID/io): an idle watcher makes none.
uint64_t readCalls(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/io");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("syscr:", 0) == 0) return std::stoull(line.substr(6));
    }
    return 0;
}

// A filesystem mounted over a directory above another mount hides it: the table still lists the
// hidden one, but no path leads there. The watcher looks for it a few times (a rename above a
// mount looks the same for a moment), then leaves it be instead of rereading the table forever.
TEST_F(SoftwareControlOnFanotify, AMountNoPathLeadsToIsNotLookedForForever) {
    startWatcher(policy(v1::MONITOR));
    const fs::path above = mnt_ / "home" / "above", hidden = above / "hidden", cover = mnt_ / "home" / "cover";
    fs::create_directories(hidden);
    fs::create_directories(cover / "hidden");  // so that the hidden mount's path still leads somewhere
    ASSERT_EQ(mount("tmpfs", hidden.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m"), 0) << strerror(errno);
    ASSERT_EQ(mount(cover.c_str(), above.c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
    std::this_thread::sleep_for(4500ms);  // past the retries, a second apart
    const uint64_t before = readCalls(watcher_);
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(readCalls(watcher_), before) << "the idle watcher keeps reading";
    EXPECT_TRUE(stopWatcher());
    umount2(above.c_str(), MNT_DETACH);
    umount2(hidden.c_str(), MNT_DETACH);
}

}  // namespace

TEST_F(SoftwareControlOnFanotify, AnApprovedProgramLeftToTheKernelIsJudgedAgainOnceWrittenTo) {
    startWatcher(policy(v1::ENFORCE));
    // The first run is judged by the agent, the second by the watch, which then leaves the
    // root-owned program to the kernel; later runs raise no event at all.
    for (int i = 0; i < 5; ++i) ASSERT_EQ(run(mnt_ / "pkg" / "true"), 0) << "run " << i;
    {
        std::ofstream f(mnt_ / "pkg" / "true", std::ios::app);
        f << "tampered";  // a write: the kernel drops its ignore mark
    }
    EXPECT_EQ(run(mnt_ / "pkg" / "true"), -EPERM);
    stopWatcher();
}

// Starts a copy of /bin/sleep from a memfd (memfd_create + fexecve), a file on the kernel's
// internal mount, where no fanotify mark can be placed. Returns its pid (the caller reaps it).
pid_t sleepFromMemfd(const char* seconds) {
    const int fd = memfd_create("payload", 0);
    if (fd < 0) return -1;
    const std::string sleep_bytes = [] {
        std::ifstream in("/bin/sleep", std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }();
    if (write(fd, sleep_bytes.data(), sleep_bytes.size()) != static_cast<ssize_t>(sleep_bytes.size())) return -1;
    const pid_t pid = fork();
    if (pid == 0) {
        char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>(seconds), nullptr};
        fexecve(fd, argv, environ);
        _exit(127);
    }
    close(fd);
    return pid;
}

// The exit status (128 + signal when killed), or nothing when it did not end within `limit`.
std::optional<int> waitFor(pid_t pid, std::chrono::milliseconds limit) {
    const auto until = Steady::now() + limit;
    int status = 0;
    while (Steady::now() < until) {
        if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(5ms);
    }
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return std::nullopt;
}

// A program started from a memfd never reaches fanotify. The kernel's exec notice still names
// the process: enforce ends it, and the event says it came from outside the watch.
TEST_F(SoftwareControlOnFanotify, AProgramStartedFromAMemfdIsEndedInEnforceAndReported) {
    startWatcher(policy(v1::ENFORCE));
    const auto t0 = Steady::now();
    const pid_t pid = sleepFromMemfd("30");
    ASSERT_GT(pid, 0);
    const auto status = waitFor(pid, 10s);
    ASSERT_TRUE(status) << "the program from the memfd was not ended";
    EXPECT_EQ(*status, 128 + SIGKILL);
    std::printf("memfd exec -> ended in %.1f ms\n", std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
    stopWatcher();
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_TRUE(ev[0].software().outside_watch());
    EXPECT_EQ(ev[0].software().path().rfind("/memfd:payload", 0), 0u) << ev[0].software().path();
    EXPECT_EQ(ev[0].outcome(), v1::ENFORCED);
    EXPECT_EQ(ev[0].rule_id(), "not-approved");
    EXPECT_EQ(ev[0].software().sha256(), digestsOf("/bin/sleep", false));
    EXPECT_EQ(ev[0].software().pid(), static_cast<uint32_t>(pid));
}

// In monitor mode the same start runs to its end, and is reported.
TEST_F(SoftwareControlOnFanotify, AProgramStartedFromAMemfdRunsInMonitorAndIsReported) {
    startWatcher(policy(v1::MONITOR));
    const pid_t pid = sleepFromMemfd("0.5");
    ASSERT_GT(pid, 0);
    EXPECT_EQ(waitFor(pid, 10s), 0);
    std::this_thread::sleep_for(300ms);  // monitor reports after the fact
    stopWatcher();
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_TRUE(ev[0].software().outside_watch());
    EXPECT_EQ(ev[0].outcome(), v1::MONITORED);
}

// A user who mounts a filesystem in mount and user namespaces of their own starts programs from
// a filesystem no mark of the agent reaches, and chooses the path they show: here, an approved
// prefix. The path approves nothing; the program is ended.
TEST_F(SoftwareControlOnFanotify, AProgramFromAUsersOwnMountAtAnApprovedPathIsEnded) {
    if (access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "needs util-linux's unshare";
    fs::permissions(base_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const fs::path approved = mnt_ / "approved";
    startWatcher(policy(v1::ENFORCE));
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // As nobody: no privilege of root's is needed for this.
        if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(120);
        const std::string script = "mount -t tmpfs t " + approved.string() + " && cp /bin/sleep " + approved.string() +
                                   "/sleep && exec " + approved.string() + "/sleep 30";
        execl("/usr/bin/unshare", "unshare", "-rm", "sh", "-c", script.c_str(), nullptr);
        _exit(127);
    }
    const auto status = waitFor(pid, 10s);
    ASSERT_TRUE(status) << "the program on the user's own mount was not ended";
    if (*status != 128 + SIGKILL) GTEST_SKIP() << "this kernel allows no user namespaces to nobody (exit " << *status << ")";
    stopWatcher();
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_TRUE(ev[0].software().outside_watch());
    EXPECT_EQ(ev[0].software().path(), (approved / "sleep").string());
    EXPECT_EQ(ev[0].rule_id(), "not-approved");
    EXPECT_EQ(ev[0].outcome(), v1::ENFORCED);
    EXPECT_EQ(ev[0].software().uid(), 65534u);
}

// The notices name every exec on the machine. Those from filesystems the agent can see were
// fanotify's to judge, and raise nothing more: an approved program, and one refused by fanotify.
TEST_F(SoftwareControlOnFanotify, ExecsOnFilesystemsTheAgentSeesAreJudgedOnceOnly) {
    startWatcher(policy(v1::MONITOR));
    EXPECT_EQ(run("/bin/true"), 0);  // not watched here, but in the agent's table: not outside
    EXPECT_EQ(run(mnt_ / "approved" / "true"), 0);
    EXPECT_EQ(run(mnt_ / "unlisted" / "true"), 0);
    std::this_thread::sleep_for(300ms);
    stopWatcher();
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].software().path(), (mnt_ / "unlisted" / "true").string());
    EXPECT_FALSE(ev[0].software().outside_watch());
}

// An overlay whose layers are on other filesystems, as a live system's root is: its files show
// a device of the overlay's own making, in no mount table. They are still on a mount of the
// agent's table, and fanotify's: a program approved by its path there runs on, in enforce.
TEST_F(SoftwareControlOnFanotify, AnApprovedProgramOnAnOverlayIsNotTakenForOneOutsideTheWatch) {
    const fs::path lower = base_ / "lower", upper = base_ / "upper", overlay = mnt_ / "approved";
    for (const auto& d : {lower, upper}) fs::create_directories(d);
    ASSERT_EQ(mount("tmpfs", lower.c_str(), "tmpfs", 0, "size=8m"), 0) << strerror(errno);
    ASSERT_EQ(mount("tmpfs", upper.c_str(), "tmpfs", 0, "size=8m"), 0) << strerror(errno);
    copy("/bin/sleep", lower / "sleep");
    fs::create_directories(upper / "u");
    fs::create_directories(upper / "w");
    const std::string layers = "lowerdir=" + lower.string() + ",upperdir=" + (upper / "u").string() +
                               ",workdir=" + (upper / "w").string();
    ASSERT_EQ(mount("overlay", overlay.c_str(), "overlay", 0, layers.c_str()), 0) << strerror(errno);
    startWatcher(policy(v1::ENFORCE));
    // Still running when the agent looks at it, as a program that matters would be.
    pid_t pid;
    const std::string sleeper = (overlay / "sleep").string();
    char* argv[] = {const_cast<char*>(sleeper.c_str()), const_cast<char*>("0.5"), nullptr};
    ASSERT_EQ(posix_spawn(&pid, sleeper.c_str(), nullptr, nullptr, argv, environ), 0);
    EXPECT_EQ(waitFor(pid, 10s), 0);
    stopWatcher();
    for (const auto& d : {overlay, upper, lower}) umount2(d.c_str(), MNT_DETACH);
    EXPECT_TRUE(events(v1::SOFTWARE_UNAPPROVED_EXEC).empty());
}
