#pragma once
#include "collector/PgConnection.h"
#include "collector/SqlConnection.h"

namespace mamori::collector {

// A PgConnection as SqlStore uses it: ?N becomes $N, parameters go typed (bigint, bytea,
// boolean) so no statement needs a cast, and many rows go in one INSERT, since each statement is
// a round trip to the server: one array per column (PgArray), or VALUES where a column mixes kinds.
class PgSqlConnection final : public SqlConnection {
public:
    explicit PgSqlConnection(PgConnection& c) : c_(c) {}

    using SqlConnection::run;
    int64_t run(const std::string& sql, std::span<const SqlParam> params, const RowReader& row) override;
    void insertRows(const SqlRows& rows) override;
    void transaction(const std::function<void()>& body) override { c_.transaction(body); }

private:
    class Row;

    // Rows [start, end) of rows as one statement: columns as arrays (kinds: each column's kind,
    // shared: whether one value stands for all rows), or as VALUES.
    void insertAsArrays(const SqlRows& rows, size_t start, size_t end, const std::vector<SqlParam::Kind>& kinds,
                            const std::vector<bool>& shared);
    void insertAsValues(const SqlRows& rows, size_t start, size_t end);

    PgConnection& c_;
};

}  // namespace mamori::collector
