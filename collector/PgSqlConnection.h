#pragma once
#include "collector/PgConnection.h"
#include "collector/SqlConnection.h"

namespace mamori::collector {

// A PgConnection as SqlStore uses it: ?N becomes $N, parameters go typed (bigint, bytea,
// boolean) so no statement needs a cast, and many rows go in one multi-row INSERT, since each
// statement is a round trip to the server.
class PgSqlConnection final : public SqlConnection {
public:
    explicit PgSqlConnection(PgConnection& c) : c_(c) {}

    using SqlConnection::run;
    int64_t run(const std::string& sql, std::span<const SqlParam> params, const RowReader& row) override;
    std::vector<bool> insertRows(const SqlRows& rows) override;
    void transaction(const std::function<void()>& body) override { c_.transaction(body); }

private:
    class Row;

    PgConnection& c_;
};

}  // namespace mamori::collector
