#include "mamori/common/SqliteStatement.h"

#include <stdexcept>

namespace mamori::common {

SqliteStatement::~SqliteStatement() {
    if (stmt_ == nullptr) return;
    // reset() repeats the last step's error code, which was already reported by step().
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept : stmt_(other.stmt_), db_(other.db_) {
    other.stmt_ = nullptr;
}

void SqliteStatement::check(int rc, const char* what) const {
    if (rc == SQLITE_OK) return;
    throw std::runtime_error(std::string("SQLite ") + what + " failed (" + sqlite3_errstr(rc) +
                             "): " + sqlite3_errmsg(db_) + " in: " + sqlite3_sql(stmt_));
}

SqliteStatement& SqliteStatement::bindInt(int index, int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value), "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindText(int index, std::string_view value) {
    check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
          "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindBlob(int index, std::string_view value) {
    // A zero-length blob with a null pointer would bind NULL; "" keeps it an empty blob.
    check(sqlite3_bind_blob64(stmt_, index, value.empty() ? "" : value.data(), value.size(),
                              SQLITE_TRANSIENT),
          "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindTextNoCopy(int index, std::string_view value) {
    check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8), "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindBlobNoCopy(int index, std::string_view value) {
    check(sqlite3_bind_blob64(stmt_, index, value.empty() ? "" : value.data(), value.size(), SQLITE_STATIC),
          "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindNull(int index) {
    check(sqlite3_bind_null(stmt_, index), "bind");
    return *this;
}

bool SqliteStatement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    check(rc, "step");
    return false;
}

void SqliteStatement::run() {
    while (step()) {
    }
}

void SqliteStatement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::columnInt(int index) const {
    return sqlite3_column_int64(stmt_, index);
}

std::string SqliteStatement::columnText(int index) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
    // Size after the pointer: sqlite3_column_bytes reports the size of the converted value.
    const int n = sqlite3_column_bytes(stmt_, index);
    return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
}

std::string SqliteStatement::columnBlob(int index) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
    const int n = sqlite3_column_bytes(stmt_, index);
    return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
}

bool SqliteStatement::columnIsNull(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

}  // namespace mamori::common
