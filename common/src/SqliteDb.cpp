#include "mamori/common/SqliteDb.h"

#include "mamori/common/Files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace mamori::common {

SqliteDb::SqliteDb(const std::string& path, Access access, unsigned create_mode) : path_(path) {
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (access == Access::ReadWrite) {
        Files::createIfMissing(path, create_mode);
        flags |= SQLITE_OPEN_READWRITE;
    } else if (access == Access::ReadWritePrivate) {
        Files::createWithMode(path, create_mode);
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW;
    } else {
        flags |= SQLITE_OPEN_READONLY;
    }
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw std::runtime_error("cannot open the database " + path + ": " + msg);
    }
}

SqliteDb::~SqliteDb() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
}

void SqliteDb::fail(int rc, std::string_view what) const {
    throw std::runtime_error("SQLite error on " + path_ + " (" + sqlite3_errstr(rc) +
                             "): " + sqlite3_errmsg(db_) + " in: " + std::string(what));
}

void SqliteDb::exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw std::runtime_error("SQLite error on " + path_ + " (" + sqlite3_errstr(rc) + "): " + msg +
                                 " in: " + sql);
    }
}

SqliteStatement SqliteDb::prepare(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        sqlite3_stmt* stmt = nullptr;
        const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                          SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) fail(rc, sql);
        it = statements_.emplace(sql, stmt).first;
    } else if (sqlite3_stmt_busy(it->second)) {
        // A second use would reset the first one's results under its feet.
        throw std::logic_error("statement already in use: " + sql);
    }
    return SqliteStatement(it->second, db_);
}

int64_t SqliteDb::changes() const {
    return sqlite3_changes64(db_);
}

void SqliteDb::rollback() noexcept {
    // After some errors (SQLITE_FULL, SQLITE_IOERR, ...) SQLite has already rolled back;
    // ROLLBACK then fails harmlessly with "no transaction is active".
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteDb::backupTo(const std::string& dest, const std::function<void(int copied, int total)>& progress) {
    if (std::filesystem::exists(dest)) throw std::runtime_error(dest + " already exists; a backup never overwrites a file");
    {
        SqliteDb copy(dest, Access::ReadWritePrivate, 0600);
        // The snapshot: without a read transaction of its own, each step would see the writes of
        // other connections and start over, and under steady ingest never finish.
        exec("BEGIN");
        try {
            prepare("SELECT count(*) FROM sqlite_schema").step();
            sqlite3_backup* b = sqlite3_backup_init(copy.db_, "main", db_, "main");
            if (!b) copy.fail(sqlite3_errcode(copy.db_), "backup to " + dest);
            int rc = SQLITE_OK;
            constexpr int kPagesPerStep = 1024;  // 4 MiB at the default page size: progress, not a syscall storm
            while ((rc = sqlite3_backup_step(b, kPagesPerStep)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
                const int total = sqlite3_backup_pagecount(b);
                progress(total - sqlite3_backup_remaining(b), total);
                if (rc != SQLITE_OK) sqlite3_sleep(20);
            }
            const int total = sqlite3_backup_pagecount(b);
            sqlite3_backup_finish(b);
            if (rc != SQLITE_DONE) copy.fail(rc, "backup to " + dest);
            progress(total, total);
            exec("COMMIT");
        } catch (...) {
            rollback();
            std::filesystem::remove(dest);
            throw;
        }
        std::string verdict;
        {
            auto check = copy.prepare("PRAGMA integrity_check");
            if (check.step()) verdict = check.columnText(0);
        }
        if (verdict != "ok") throw std::runtime_error("the copy in " + dest + " failed its integrity check: " + verdict);
        // The copy is a file to carry away: no -wal beside it, everything in the one file.
        copy.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    Files::syncDirectory(std::filesystem::path(dest).parent_path());
}

}  // namespace mamori::common
