// The journal under kill -9: a child appends as fast as it can and is killed at a random
// instant, over and over. Every reopen must find a gap-free, verifiable chain whose recorded
// head is its last event: no loss of what was committed, no duplicate, no broken link.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include "agent/Journal.h"
#include "mamori/proto/ChainVerifier.h"

using mamori::agent::Journal;
using mamori::proto::ChainVerifier;
using mamori::proto::Ed25519Key;
using mamori::v1::Event;
using mamori::v1::EventBody;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kCap = 1ull << 30;  // never reached: this test is about crashes, not the cap

[[noreturn]] void appendForever(const fs::path& db, const Ed25519Key& key, int ready_fd) {
    try {
        // Created here, after fork: the parent holds no SQLite handle on the file.
        Journal j(db, key, kCap);
        (void)!write(ready_fd, "r", 1);
        for (int64_t i = 0;; ++i) {
            EventBody b;
            b.set_terminal_id("term-crash");
            b.set_type(mamori::v1::HEARTBEAT);
            b.set_utc_ns(i);
            j.append(b);
        }
    } catch (...) {
    }
    _exit(3);  // the parent expects SIGKILL; any exit means the child failed
}

}  // namespace

TEST(JournalCrash, KillNineLeavesAGapFreeVerifiableChain) {
    std::string tmpl = (fs::temp_directory_path() / "mamori-journal-crash-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    const fs::path dir = tmpl;
    const fs::path db = dir / "journal.db";
    const Ed25519Key key = Ed25519Key::generate();
    const ChainVerifier verifier("term-crash", Ed25519Key::fromPublicRaw(key.publicRaw()));

    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> delay_us(0, 40'000);
    uint64_t previous = 0;
    int grew = 0;
    for (int round = 0; round < 30; ++round) {
        int fds[2];
        ASSERT_EQ(pipe(fds), 0);
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            signal(SIGPIPE, SIG_IGN);  // the parent may not wait for "ready"
            appendForever(db, key, fds[1]);
        }
        close(fds[1]);
        // Most kills are timed from the moment the journal is open, so that on a loaded machine
        // they still land among appends; every fifth is timed from the fork, to land in the open.
        if (round % 5 != 0) {
            char c;
            (void)!read(fds[0], &c, 1);
        }
        close(fds[0]);
        std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
        ASSERT_EQ(kill(pid, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "round " << round << ": the child stopped by itself (status " << status << ")";

        Journal j(db, key, kCap);
        auto events = j.pending(SIZE_MAX);
        const auto head = j.head();
        ASSERT_EQ(events.size(), head.seq) << "round " << round;
        ASSERT_GE(head.seq, previous) << "round " << round << ": committed events were lost";
        grew += head.seq > previous;
        previous = head.seq;
        if (events.empty()) continue;  // killed before its first commit

        google::protobuf::RepeatedPtrField<Event> batch(events.begin(), events.end());
        auto r = verifier.checkAll(batch, {});
        ASSERT_TRUE(r.ok()) << "round " << round << ": " << r.detail;
        for (size_t i = 0; i < r.bodies.size(); ++i) ASSERT_EQ(r.bodies[i].seq(), i + 1) << "round " << round;
        EXPECT_EQ(events.back().hash(), head.hash) << "round " << round;
        EXPECT_EQ(j.stats().depth, head.seq);
    }
    // Otherwise the kills all landed before the first append and the test proved nothing.
    EXPECT_GE(grew, 10) << "final head " << previous;
    fs::remove_all(dir);
}

// A write the disk refuses (here: the file size limit, as a full disk would) must reach the
// caller as an exception, leave nothing behind, and not cost a seq: the next append continues
// the chain as if the failed one had never been tried. Run in a child because the file size
// limit applies to the whole process.
TEST(JournalCrash, RefusedWriteThrowsAndStoresNothing) {
    std::string tmpl = (fs::temp_directory_path() / "mamori-journal-full-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    const fs::path dir = tmpl;
    const fs::path db = dir / "journal.db";
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        std::ostringstream why;
        try {
            const Ed25519Key key = Ed25519Key::generate();
            const ChainVerifier verifier("term-full", Ed25519Key::fromPublicRaw(key.publicRaw()));
            signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG
            Journal j(db, key, kCap);
            EventBody b;
            b.set_terminal_id("term-full");
            b.set_type(mamori::v1::HEARTBEAT);
            for (int i = 0; i < 5; ++i) j.append(b);
            const auto before = j.head();

            fs::path wal = db;
            wal += "-wal";
            struct stat st {};
            rlimit old{}, lim{};
            getrlimit(RLIMIT_FSIZE, &old);
            if (stat(wal.c_str(), &st) != 0) why << "no WAL file; ";
            lim = old;
            lim.rlim_cur = static_cast<rlim_t>(st.st_size);
            setrlimit(RLIMIT_FSIZE, &lim);
            bool threw = false;
            try {
                j.append(b);
            } catch (const std::runtime_error& e) {
                threw = std::string(e.what()).find(db.string()) != std::string::npos;
                if (!threw) why << "message without the path: " << e.what() << "; ";
            }
            setrlimit(RLIMIT_FSIZE, &old);
            if (!threw) why << "the refused append did not throw; ";
            if (j.head().seq != before.seq || j.head().hash != before.hash) why << "the head moved; ";
            if (j.stats().depth != 5) why << "depth " << j.stats().depth << " after the refused append; ";

            Event next = j.append(b);
            EventBody nb;
            nb.ParseFromString(next.body());
            if (nb.seq() != 6) why << "next seq " << nb.seq() << "; ";
            auto all = j.pending(100);
            google::protobuf::RepeatedPtrField<Event> batch(all.begin(), all.end());
            auto r = verifier.checkAll(batch, {});
            if (!r.ok()) why << "chain: " << r.detail << "; ";
            if (all.size() != 6) why << all.size() << " events stored; ";
        } catch (const std::exception& e) {
            why << "unexpected: " << e.what();
        }
        std::string msg = why.str();
        if (!msg.empty()) (void)!write(fds[1], msg.data(), msg.size());
        _exit(msg.empty() ? 0 : 1);
    }
    close(fds[1]);
    std::string msg;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << msg;
    fs::remove_all(dir);
}
