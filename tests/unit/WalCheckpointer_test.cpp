#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "collector/WalCheckpointer.h"
#include "mamori/common/SqliteDb.h"

using mamori::collector::WalCheckpointer;
using mamori::common::SqliteDb;
namespace fs = std::filesystem;

namespace {

constexpr uintmax_t kFrameBytes = 4096 + 24;  // a page and its frame header
constexpr int kFramesPerCommit = 17;          // one 64 KiB blob on 4 KiB pages, and the leaf

struct WalCheckpointerTest : ::testing::Test {
    fs::path dir;
    std::string path;
    std::unique_ptr<SqliteDb> writer;

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "mamori-wal-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
        path = (dir / "store.db").string();
        writer = std::make_unique<SqliteDb>(path, SqliteDb::Access::ReadWrite);
        writer->exec("PRAGMA journal_mode = WAL");
        writer->exec("PRAGMA synchronous = NORMAL");
        writer->exec("CREATE TABLE t (b BLOB NOT NULL)");
    }
    void TearDown() override {
        writer.reset();
        fs::remove_all(dir);
    }

    void commit(int times) {
        const std::string blob(64 * 1024, 'x');
        for (int i = 0; i < times; ++i) {
            auto s = writer->prepare("INSERT INTO t (b) VALUES (?1)");
            s.bindBlobNoCopy(1, blob);
            s.run();
        }
    }
    uintmax_t size(const std::string& file) const { return fs::exists(file) ? fs::file_size(file) : 0; }

    // Waits up to 10 s for the database file to hold at least `bytes` copied from the log.
    bool databaseReaches(uintmax_t bytes) const {
        for (int i = 0; i < 1000 && size(path) < bytes; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return size(path) >= bytes;
    }
};

TEST_F(WalCheckpointerTest, TheLogIsCopiedBesideTheWriterWhichNeverCheckpointsBelowTheBackstop) {
    auto checkpointer = std::make_unique<WalCheckpointer>(path, 50, 100000);
    checkpointer->watch(*writer);
    commit(40);  // about 680 frames: due many times over, the backstop never reached

    // The writer's own commits copied nothing (SQLite's automatic checkpoint would have at 1,000
    // frames, and this hook replaces it); the thread copied the log into the database.
    EXPECT_TRUE(databaseReaches(40 * 64 * 1024));
    EXPECT_GE(checkpointer->backgroundRuns(), 1u);
    EXPECT_EQ(checkpointer->writerRuns(), 0u);

    // Stopped, it leaves the writer without its hook: later commits call nothing freed.
    checkpointer.reset();
    commit(2);
    auto count = writer->prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.columnInt(0), 42);
}

TEST_F(WalCheckpointerTest, PastTheBackstopTheWriterCopiesTheRestAndTheLogStartsAgain) {
    // Never due for the thread: only the backstop can keep the log from growing.
    WalCheckpointer checkpointer(path, 1000000, 200);
    checkpointer.watch(*writer);
    commit(60);  // about 1,000 frames in all

    EXPECT_GE(checkpointer.writerRuns(), 1u);
    EXPECT_EQ(checkpointer.backgroundRuns(), 0u);
    // The log was started again from its beginning: it never grew much past the backstop.
    EXPECT_LT(size(path + "-wal"), (200 + 2 * kFramesPerCommit) * kFrameBytes + 32);
    EXPECT_GE(size(path), 50u * 64 * 1024);
}

TEST_F(WalCheckpointerTest, ACommitBelowDueStartsNoCheckpoint) {
    WalCheckpointer checkpointer(path, 1000, 4000);
    checkpointer.watch(*writer);
    commit(3);
    EXPECT_EQ(checkpointer.backgroundRuns(), 0u);
    EXPECT_EQ(checkpointer.writerRuns(), 0u);
}

}  // namespace
