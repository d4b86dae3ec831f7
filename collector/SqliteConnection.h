#pragma once
#include "collector/SqlConnection.h"
#include "mamori/common/SqliteDb.h"

namespace mamori::collector {

// A SqliteDb as SqlStore uses it. Statements stay prepared on the connection (SqliteDb::prepare)
// and parameters are bound without copies: they outlive the statement's use.
class SqliteConnection final : public SqlConnection {
public:
    explicit SqliteConnection(common::SqliteDb& db) : db_(db) {}

    using SqlConnection::run;
    int64_t run(const std::string& sql, std::span<const SqlParam> params, const RowReader& row) override;
    void insertRows(const SqlRows& rows) override;
    void transaction(const std::function<void()>& body) override { db_.transaction(body); }

private:
    class Row;

    common::SqliteDb& db_;
};

}  // namespace mamori::collector
