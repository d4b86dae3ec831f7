#include <gtest/gtest.h>

#include "mamori/common/UserError.h"
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "collector/SqliteStore.h"
#include "tests/support/StoreSamples.h"

// What only the SQLite file has: its mode bits, its schema stamp, its URL forms. The Store
// contract both implementations share is in Store_test.cpp.

using namespace mamori::collector;
namespace fs = std::filesystem;
namespace v1 = mamori::v1;

namespace {

using mamori::test::kNow;
using mamori::test::kNs;

struct SqliteStoreTest : ::testing::Test {
    fs::path dir;
    std::string path;

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "mamori-store-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
        path = (dir / "collector.db").string();
    }
    void TearDown() override { fs::remove_all(dir); }

    // The records every Store suite uses (tests/support/StoreSamples.h).
    static TerminalRecord terminal(const std::string& id, const std::string& group = "総務課") {
        return mamori::test::terminal(id, group);
    }
    static IngestEvent event(uint64_t seq, const std::string& date = "2026-01-05", v1::Control control = v1::USB,
                             bool violation = false, v1::Outcome outcome = v1::OUTCOME_UNSPECIFIED) {
        return mamori::test::event(seq, date, control, violation, outcome);
    }
    static IngestBatch batch(const std::string& terminal_id, uint64_t first, uint32_t n) {
        return mamori::test::batch(terminal_id, first, n);
    }

    static const ComplianceRow* find(const std::vector<ComplianceRow>& rows, const std::string& terminal_id,
                                     v1::Control control) {
        for (const auto& r : rows)
            if (r.terminal_id == terminal_id && r.control == control) return &r;
        return nullptr;
    }
};

TEST_F(SqliteStoreTest, FilesAreReadableByOwnerOnly) {
    const mode_t old = ::umask(022);
    {
        SqliteStore store(path);
        store.addTerminal(terminal("t1"));
        store.ingest(batch("t1", 1, 5));
        for (const char* suffix : {"", "-wal", "-shm"}) {
            struct stat st {};
            ASSERT_EQ(::stat((path + suffix).c_str(), &st), 0) << suffix;
            EXPECT_EQ(st.st_mode & 0777, 0600u) << path + suffix;
        }
    }
    // A file someone loosened is tightened again on open.
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    SqliteStore store(path);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ::umask(old);
}

TEST_F(SqliteStoreTest, SchemaVersionIsRecordedAndNewerOrForeignFilesAreRefused) {
    { SqliteStore store(path); }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), SqliteStore::kSchemaVersion);
    sqlite3_finalize(st);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    EXPECT_THROW(SqliteStore store(path), std::runtime_error);

    const std::string foreign = (dir / "other.db").string();
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE x (a)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    EXPECT_THROW(SqliteStore store(foreign), std::runtime_error);
    // Refused untouched: still in its own journal mode, its mode bits as they were.
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "delete");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

TEST_F(SqliteStoreTest, OpenStoreAcceptsSqliteUrlsAndPlainPaths) {
    openStore("sqlite:" + path)->putSetting("a", "1");
    EXPECT_EQ(openStore(path)->setting("a"), "1");
    EXPECT_EQ(openStore("sqlite://" + path)->setting("a"), "1");  // sqlite:///abs/path
    EXPECT_THROW(openStore("mysql://db/mamori"), mamori::common::UserError);
    EXPECT_THROW(openStore("sqlite://host/x.db"), mamori::common::UserError);
    EXPECT_THROW(openStore("sqlite:"), mamori::common::UserError);
}

}  // namespace
