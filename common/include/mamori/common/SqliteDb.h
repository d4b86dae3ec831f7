#pragma once
#include <sqlite3.h>

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mamori/common/SqliteStatement.h"

namespace mamori::common {

// One SQLite connection and the statements prepared on it. Not thread-safe: the owner
// serializes access (the connection is opened without SQLite's own mutex for that reason).
class SqliteDb {
public:
    enum class Access { ReadWrite, ReadOnly, ReadWritePrivate };

    // ReadWrite creates a missing file with create_mode (before SQLite touches it, so the
    // file is never briefly readable by others; SQLite gives its -wal and -shm the same mode).
    // ReadWritePrivate, for evidence, also sets an existing file to create_mode and refuses a
    // symbolic link, here and when SQLite opens it: the file opened is the one whose mode was set.
    SqliteDb(const std::string& path, Access access, unsigned create_mode = 0600);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    // Runs one or more statements that take no parameters (pragmas, DDL).
    void exec(const std::string& sql);

    // The statement for sql, prepared on first use and kept for the connection's life, so hot
    // paths pay for parsing once. Only one use of the same sql may be alive at a time.
    SqliteStatement prepare(const std::string& sql);

    // Rows changed by the most recent INSERT, UPDATE or DELETE on this connection.
    int64_t changes() const;

    // Runs body inside BEGIN IMMEDIATE ... COMMIT; rolls back and rethrows if body throws.
    // IMMEDIATE takes the write lock up front: a deferred transaction that later needs it can
    // fail with SQLITE_BUSY without waiting for busy_timeout when another process writes.
    template <class Body>
    void transaction(Body&& body) {
        prepare("BEGIN IMMEDIATE").run();
        try {
            body();
            prepare("COMMIT").run();
        } catch (...) {
            rollback();
            throw;
        }
    }

    // An online copy of this database into a new file `dest` (mode 0600), through SQLite's backup
    // API: one read transaction throughout, so the copy is the database at one moment while other
    // connections go on writing (in WAL mode they are never blocked). progress(copied, total)
    // after each step, in pages. The copy is checked (integrity_check) and synced before return.
    void backupTo(const std::string& dest, const std::function<void(int copied, int total)>& progress);

    const std::string& path() const { return path_; }
    sqlite3* handle() const { return db_; }

private:
    void rollback() noexcept;
    [[noreturn]] void fail(int rc, std::string_view what) const;

    std::string path_;
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace mamori::common
