#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collector/SqlParam.h"
#include "collector/SqlRow.h"

namespace mamori::collector {

// Several rows of one INSERT, as SqlConnection::insertRows takes them: `width` parameters per
// row in `values`.
struct SqlRows {
    std::string_view table;
    std::string_view columns;  // "a, b, c"
    size_t width = 0;
    std::span<const SqlParam> values;
};

// One connection, as the store's shared SQL sees it. Statements number their parameters ?1..?n
// (each database's own spelling is the connection's business). Not thread-safe: SqlBackend
// hands a connection to one caller at a time.
class SqlConnection {
public:
    using Params = std::initializer_list<SqlParam>;
    using RowReader = std::function<void(const SqlRow&)>;

    virtual ~SqlConnection() = default;

    // Runs one statement; calls `row` for each row it returns. Returns the rows it inserted,
    // updated or deleted. Throws std::runtime_error with the database's message.
    virtual int64_t run(const std::string& sql, std::span<const SqlParam> params, const RowReader& row = {}) = 0;
    int64_t run(const std::string& sql, Params params = {}, const RowReader& row = {}) {
        return run(sql, std::span<const SqlParam>(params.begin(), params.size()), row);
    }

    // Inserts many rows the fastest way this database has. A row whose key is stored already
    // fails the whole call, as one INSERT would.
    virtual void insertRows(const SqlRows& rows) = 0;

    // Runs body in one transaction that also holds the write lock where the database has one;
    // rolls back and rethrows if body throws.
    virtual void transaction(const std::function<void()>& body) = 0;
};

}  // namespace mamori::collector
