// Bulk inserts into a real PostgreSQL server: columns sent as binary arrays (PgArray) and
// unnested into rows, one value for a column all rows share, VALUES where a column mixes kinds,
// and a row already stored failing its statement whole.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collector/PgConnection.h"
#include "collector/PgSqlConnection.h"
#include "tests/support/PostgresServer.h"

namespace {

using mamori::collector::PgConnection;
using mamori::collector::PgSqlConnection;
using mamori::collector::SqlParam;
using mamori::test::PostgresServer;
using P = SqlParam;

constexpr const char* kColumns = "k, n, flag, name, data, note";

class PgSqlConnectionTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto* server = PostgresServer::shared();
        if (!server) GTEST_SKIP() << PostgresServer::kSkipMessage;
        pg_ = std::make_unique<PgConnection>(server->createDatabase());
        pg_->execScript("CREATE TABLE t (k TEXT NOT NULL, n INTEGER NOT NULL, flag BOOLEAN NOT NULL, name TEXT, "
                        "data BYTEA, note TEXT, PRIMARY KEY (k, n))");
        sql_ = std::make_unique<PgSqlConnection>(*pg_);
    }
    void insert(const std::vector<SqlParam>& values) { sql_->insertRows({"t", kColumns, 6, values}); }
    // "name|hex(data)|note" of row n of k, "NULL" for nulls.
    std::string row(const std::string& k, int n) {
        auto r = pg_->exec("SELECT coalesce(name, 'NULL') || '|' || coalesce(encode(data, 'hex'), 'NULL') || '|' || "
                           "coalesce(note, 'NULL') || '|' || flag::text FROM t WHERE k = '" + k + "' AND n = " +
                           std::to_string(n));
        return r.rows() == 1 ? r.text(0, 0) : "absent";
    }

    std::unique_ptr<PgConnection> pg_;
    std::unique_ptr<PgSqlConnection> sql_;
};

TEST_F(PgSqlConnectionTest, ColumnsGoAsArraysAndComeBackAsRows) {
    const std::string blob("\0\x01\xff" "bytes", 8);
    const std::string names[] = {"", "名前 1", "名前 2"};  // parameters borrow their bytes
    std::vector<SqlParam> values;
    for (int n = 0; n < 2500; ++n)  // more rows than one statement takes
        values.insert(values.end(), {P::text("terminal-1"), P::integer(n), P::boolean(n % 2 == 0),
                                     n % 3 ? P::text(names[n % 3]) : P::null(), P::blob(blob), P::null()});
    insert(values);
    EXPECT_EQ(pg_->exec("SELECT count(*) FROM t").integer(0, 0), 2500);
    EXPECT_EQ(row("terminal-1", 0), "NULL|0001ff6279746573|NULL|true");
    EXPECT_EQ(row("terminal-1", 2), "名前 2|0001ff6279746573|NULL|true");
    EXPECT_EQ(row("terminal-1", 2497), "名前 1|0001ff6279746573|NULL|false");
}

// SqlStore leaves out the rows it finds stored; one it missed must not vanish quietly.
TEST_F(PgSqlConnectionTest, ARowAlreadyStoredFailsItsStatementWhole) {
    insert({P::text("a"), P::integer(1), P::boolean(true), P::text("x"), P::blob("1"), P::text("first")});
    EXPECT_THROW(insert({P::text("a"), P::integer(2), P::boolean(false), P::text("y"), P::blob("3"), P::null(),
                         P::text("a"), P::integer(1), P::boolean(true), P::text("x"), P::blob("2"), P::text("again")}),
                 std::runtime_error);
    EXPECT_EQ(row("a", 1), "x|31|first|true");  // the first copy stands
    EXPECT_EQ(row("a", 2), "absent");
}

// A column whose rows hold values of different kinds (here text and an integer) cannot be one
// array: those rows go as VALUES, and the server converts as it does for any statement.
TEST_F(PgSqlConnectionTest, AColumnOfMixedKindsGoesAsValues) {
    insert({P::text("m"), P::integer(1), P::boolean(true), P::text("a"), P::null(), P::text("note"),
            P::text("m"), P::integer(2), P::boolean(true), P::integer(42), P::null(), P::null()});
    EXPECT_EQ(row("m", 1), "a|NULL|note|true");
    EXPECT_EQ(row("m", 2), "42|NULL|NULL|true");
}

TEST_F(PgSqlConnectionTest, NothingToInsertIsNoStatement) {
    insert({});
    EXPECT_EQ(pg_->exec("SELECT count(*) FROM t").integer(0, 0), 0);
}

}  // namespace
