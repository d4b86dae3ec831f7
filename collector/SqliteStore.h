#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "collector/SqlStore.h"
#include "collector/SqliteConnection.h"
#include "collector/WalCheckpointer.h"
#include "mamori/common/DurableFile.h"
#include "mamori/common/SqliteDb.h"

namespace mamori::collector {

// The embedded Store: one SQLite file, no set-up. SqlStore holds the SQL; this is its backend.
//
// Durability: the agent deletes what we acknowledge, so every write is on disk before the call
// returns. SQLite's synchronous=FULL would fsync the WAL inside COMMIT, holding the write lock
// for the whole fsync (several milliseconds, as long as the CPU work of a 500-event batch).
// Instead the connection runs synchronous=NORMAL (which still syncs the WAL header and the
// checkpoints) and each write, after COMMIT and outside the write lock, waits for an
// fdatasync of the WAL that started after its commit: the same guarantee as FULL, but the next
// batch is written while the disk flushes, and one fsync covers every commit before it. The
// WAL is copied into the database by a WalCheckpointer, beside the writer rather than in it.
//
// Concurrency: one write connection and one read-only connection, each behind its own mutex.
// WAL lets readers see the last commit while a write is in progress, so the admin queries do
// not wait for ingest. Other processes (mamorictl) may open the same file; busy_timeout and
// BEGIN IMMEDIATE make them queue for the write lock instead of failing.
class SqliteStore final : private SqlBackend, public SqlStore {
public:
    // Creates the file (mode 0600) and its schema if missing, migrates an older schema, and
    // refuses a file written by a newer version or by something else.
    explicit SqliteStore(const std::string& path);

    // The schema version this build writes (PRAGMA user_version).
    static constexpr int kSchemaVersion = 10;

private:
    const SqlDialect& dialect() const override;
    void read(const Work& work) override;
    // Runs work under the write lock, then waits until what it committed is on disk.
    void write(const Work& work) override;
    // Runs work under the write lock; waits for the disk only when work says so, otherwise its
    // commit reaches the disk with the next fsync.
    void writeDurableWhen(const DurableWhen& work) override;
    bool insertAdminUser(SqlConnection& c, const AdminUser& u) override;
    std::vector<AdminUser> selectAdminUsers(SqlConnection& c, const std::string& where,
                                            const std::vector<SqlParam>& params) override;
    void writeSections(SqlConnection& c, const std::string& name, const std::vector<std::string>& sections) override;

    // The file's schema version; throws unless the file is new, or mamori's and not newer.
    int64_t checkedSchemaVersion();
    void migrate();
    // Returns once the WAL is on disk up to and including commit number `commit`.
    void waitDurable(uint64_t commit);
    std::string diskFailureMessage() const;

    std::mutex write_mutex_;
    std::unique_ptr<common::SqliteDb> write_;
    std::unique_ptr<SqliteConnection> writer_;
    std::unique_ptr<WalCheckpointer> checkpointer_;  // after write_: stops before write_ closes
    std::atomic<uint64_t> commits_{0};  // counted under write_mutex_, after each COMMIT
    std::atomic<bool> failed_{false};   // an fsync failed: refuse every write from now on

    std::mutex sync_mutex_;  // one fdatasync at a time; later commits wait and usually ride along
    uint64_t synced_ = 0;    // commits known to be on disk
    std::unique_ptr<common::DurableFile> wal_;

    std::mutex read_mutex_;
    std::unique_ptr<common::SqliteDb> read_;
    std::unique_ptr<SqliteConnection> reader_;
};

}  // namespace mamori::collector
