#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mamori::common {

// A use of one prepared statement that its SqliteDb keeps prepared (see SqliteDb::prepare).
// The destructor resets the statement and clears its bindings: a statement left mid-result
// would hold its WAL read snapshot open and stop checkpoints from ever completing.
// Bound text and blobs are copied, so callers may bind temporaries.
class SqliteStatement {
public:
    SqliteStatement(sqlite3_stmt* stmt, sqlite3* db) noexcept : stmt_(stmt), db_(db) {}
    ~SqliteStatement();
    SqliteStatement(SqliteStatement&& other) noexcept;
    SqliteStatement& operator=(SqliteStatement&&) = delete;
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    // Parameters are 1-based, as in SQL (?1, ?2, ...).
    SqliteStatement& bindInt(int index, int64_t value);
    SqliteStatement& bindText(int index, std::string_view value);
    SqliteStatement& bindBlob(int index, std::string_view value);
    SqliteStatement& bindNull(int index);
    // Without the copy, for hot loops: the bytes must stay valid until the next reset().
    SqliteStatement& bindTextNoCopy(int index, std::string_view value);
    SqliteStatement& bindBlobNoCopy(int index, std::string_view value);

    // true while a row is available; false once the statement has finished. Throws on error.
    bool step();
    // For statements that return no rows (or whose rows do not matter).
    void run();
    // Ready to bind and step again, for one statement reused in a loop.
    void reset();

    // Columns are 0-based, as in sqlite3_column_*.
    int64_t columnInt(int index) const;
    std::string columnText(int index) const;
    std::string columnBlob(int index) const;
    bool columnIsNull(int index) const;

private:
    void check(int rc, const char* what) const;

    sqlite3_stmt* stmt_;
    sqlite3* db_;
};

}  // namespace mamori::common
