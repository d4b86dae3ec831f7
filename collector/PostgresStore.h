#pragma once
#include <string>

#include "collector/PgPool.h"
#include "collector/SqlStore.h"

namespace mamori::collector {

// The Store for several collectors sharing one PostgreSQL database. SqlStore holds the SQL;
// this is its backend.
//
// Every write is one transaction committed with the server's default synchronous_commit, so
// it is on the server's disk before the call returns (the agent deletes what we acknowledge).
//
// Collectors are stateless towards each other: whatever must be serialized is serialized in
// the database. Ingest for a terminal starts by updating that terminal's row, which holds its
// row lock until COMMIT, so two collectors receiving batches from the same terminal (a
// failover, a retry through another node) take turns; different terminals proceed in parallel.
class PostgresStore final : private SqlBackend, public SqlStore {
public:
    // url: a libpq connection URI (postgresql://user@host:port/db?...). Creates the schema in
    // an empty database, migrates an older one, and refuses a newer or foreign one.
    explicit PostgresStore(const std::string& url, size_t connections = 8);

    // The schema version this build writes (mamori_meta.schema_version).
    static constexpr int kSchemaVersion = 9;

private:
    const SqlDialect& dialect() const override;
    void read(const Work& work) override;
    void write(const Work& work) override;
    bool insertAdminUser(SqlConnection& c, const AdminUser& u) override;
    std::vector<AdminUser> selectAdminUsers(SqlConnection& c, const std::string& where,
                                            const std::vector<SqlParam>& params) override;
    void writeSections(SqlConnection& c, const std::string& name, const std::vector<std::string>& sections) override;
    std::string selectExpression(const StoreTable& t, const StoreColumn& c) override;
    void normalizeRow(const StoreTable& t, TableRow& row) override;
    bool writeRowsSpecially(SqlConnection& c, const StoreTable& t, const std::vector<TableRow>& rows) override;

    void migrate();

    PgPool pool_;
};

}  // namespace mamori::collector
