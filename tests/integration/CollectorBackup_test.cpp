// mamori-collector backup and restore as an administrator runs them, on a collector that keeps
// ingesting: the copy is the store at one moment (a gap-free prefix of what arrived), the keys
// come back only with the passphrase, and the restored collector serves the same terminals.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "mamori/common/Files.h"
#include "tests/support/SimulatedTerminal.h"
#include "tests/support/Subprocess.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;
namespace fs = std::filesystem;

namespace {

// (events, highest seq) of a terminal in a SQLite store.
std::pair<int64_t, int64_t> eventsIn(const fs::path& db, const std::string& terminal) {
    sqlite3* h = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(h, "SELECT count(*), coalesce(max(seq), 0) FROM events WHERE terminal_id = ?1", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, terminal.c_str(), -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
    const std::pair<int64_t, int64_t> out{sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

unsigned modeOf(const fs::path& f) {
    struct stat st{};
    ::stat(f.c_str(), &st);
    return st.st_mode & 0777;
}

int collectorCommand(std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), bin("mamori-collector"));
    return Subprocess::run(args, out);
}

}  // namespace

TEST(CollectorBackup, ARoundTripWhileATerminalKeepsUploading) {
    const fs::path dir = tempDir("backup");
    TestCollector collector(dir / "collector");
    collector.start();
    const std::string ca = mamori::common::Files::read(collector.dir() / "ca.pem");
    SimulatedTerminal terminal(collector.agentUrl(), ca);
    ASSERT_EQ(terminal.enroll(collector.token("税務課"), "term-b").status, 200u);
    for (int i = 0; i < 20; ++i) ASSERT_EQ(terminal.send(terminal.batch(500)).status, 200u);

    std::atomic<bool> stop{false};
    std::atomic<int64_t> delivered{10000};
    std::thread uploads([&] {
        while (!stop)
            if (terminal.send(terminal.batch(50)).status == 200) delivered += 50;
    });
    std::ofstream(dir / "passphrase") << "correct horse battery staple\n";
    std::string out;
    const int64_t before = delivered;
    const int rc = collectorCommand({"backup", "--dir", collector.dir().string(), "--to", (dir / "b").string(),
                                     "--passphrase-file", (dir / "passphrase").string()},
                                    &out);
    const int64_t after = delivered;
    stop = true;
    uploads.join();
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("store: 100%"), std::string::npos) << out;
    EXPECT_NE(out.find("keys: 8 files sealed"), std::string::npos) << out;
    EXPECT_GT(after, before) << "the collector went on ingesting while the store was copied";
    for (const char* f : {"store.db", "keys.sealed", "MANIFEST"}) EXPECT_EQ(modeOf(dir / "b" / f), 0600u) << f;
    EXPECT_EQ(mamori::common::Files::read(dir / "b" / "keys.sealed").find("PRIVATE KEY"), std::string::npos);
    // The copy is the store at one moment: every event up to some point, none missing before it.
    const auto [copied, highest] = eventsIn(dir / "b" / "store.db", terminal.id());
    EXPECT_EQ(copied, highest) << "no hole in the chain";
    EXPECT_GE(copied, before);
    EXPECT_LE(copied, after);

    // Refusals, each leaving the target as it was.
    EXPECT_NE(collectorCommand({"backup", "--dir", collector.dir().string(), "--to", (dir / "b").string(),
                                "--passphrase-file", (dir / "passphrase").string()},
                               &out),
              0);
    EXPECT_NE(out.find("is not empty"), std::string::npos) << out;
    std::ofstream(dir / "wrong") << "correct horse battery stapler\n";
    EXPECT_NE(collectorCommand({"restore", "--dir", (dir / "r").string(), "--from", (dir / "b").string(),
                                "--passphrase-file", (dir / "wrong").string()},
                               &out),
              0);
    EXPECT_NE(out.find("the passphrase is wrong"), std::string::npos) << out;
    EXPECT_NE(out.find("パスフレーズが違う"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(dir / "r" / "collector.conf"));
    fs::copy(dir / "b", dir / "altered");
    {
        std::fstream f(dir / "altered" / "store.db", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(5000);
        f.put('\x5a');
    }
    EXPECT_NE(collectorCommand({"restore", "--dir", (dir / "r").string(), "--from", (dir / "altered").string(),
                                "--passphrase-file", (dir / "passphrase").string()},
                               &out),
              0);
    EXPECT_NE(out.find("store.db is missing or altered since the backup"), std::string::npos) << out;
    EXPECT_NE(collectorCommand({"restore", "--dir", collector.dir().string(), "--from", (dir / "b").string(),
                                "--passphrase-file", (dir / "passphrase").string()},
                               &out),
              0);
    EXPECT_NE(out.find("already holds a collector"), std::string::npos) << out;

    // The restored collector, in another directory, in place of the first.
    ASSERT_EQ(collectorCommand({"restore", "--dir", (dir / "r").string(), "--from", (dir / "b").string(),
                                "--passphrase-file", (dir / "passphrase").string()},
                               &out),
              0)
        << out;
    for (const char* f : {"ca.key", "server.key", "policy.key", "admin.token", "collector.conf", "store.db"})
        EXPECT_EQ(modeOf(dir / "r" / f), 0600u) << f;
    EXPECT_EQ(mamori::common::Files::read(dir / "r" / "ca.key"), mamori::common::Files::read(collector.dir() / "ca.key"));
    const std::string conf = mamori::common::Files::read(dir / "r" / "collector.conf");
    EXPECT_NE(conf.find("store = sqlite:" + (dir / "r" / "store.db").string()), std::string::npos) << conf;
    EXPECT_EQ(mamori::common::Files::read(dir / "r" / "mamorictl.conf").find(collector.dir().string()), std::string::npos)
        << "mamorictl.conf points at the restored directory";
    collector.stop();
    Subprocess restored;
    restored.start({bin("mamori-collector"), "run", "--dir", (dir / "r").string()}, dir / "restored.log");
    ASSERT_TRUE(waitFor([&] {
        try {
            return terminal.sync().status == 200;
        } catch (const std::exception&) {
            return false;  // not listening yet
        }
    }))
        << "the terminal is known to the restored collector by the same certificate and CA: "
        << mamori::common::Files::read(dir / "restored.log");
    std::string terminals;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "--config", (dir / "r" / "mamorictl.conf").string(), "terminals"},
                              &terminals),
              0)
        << terminals;
    EXPECT_NE(terminals.find("term-b"), std::string::npos) << terminals;
    restored.kill(SIGTERM);
}
