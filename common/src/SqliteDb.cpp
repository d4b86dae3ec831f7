#include "mamori/common/SqliteDb.h"

#include "mamori/common/Files.h"

#include <cerrno>
#include <cstring>
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

}  // namespace mamori::common
