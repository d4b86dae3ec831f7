// PgConnection's prepared statements on a real PostgreSQL server: a statement that comes back
// runs by name with the same answers, one the server refuses is never named, and a session
// whose statements were discarded prepares them again.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "collector/PgConnection.h"
#include "tests/support/PostgresServer.h"

namespace {

using mamori::collector::PgConnection;
using mamori::collector::PgParam;
using mamori::test::PostgresServer;

class PgConnectionTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto* server = PostgresServer::shared();
        if (!server) GTEST_SKIP() << PostgresServer::kSkipMessage;
        pg_ = std::make_unique<PgConnection>(server->createDatabase());
        pg_->execScript("CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT)");
    }
    int64_t preparedOnServer() {
        return pg_->exec("SELECT count(*) FROM pg_prepared_statements").integer(0, 0);
    }
    std::unique_ptr<PgConnection> pg_;
};

TEST_F(PgConnectionTest, AStatementThatComesBackRunsPreparedWithTheSameAnswers) {
    const std::string insert = "INSERT INTO t (k, v) VALUES ($1, $2)";
    for (int k = 1; k <= 5; ++k) pg_->exec(insert, {PgParam::integer(k), PgParam::text("値 " + std::to_string(k))});
    const std::string select = "SELECT v FROM t WHERE k = $1";
    for (int k = 1; k <= 5; ++k) {
        const auto r = pg_->exec(select, {PgParam::integer(k)});
        ASSERT_EQ(r.rows(), 1);
        EXPECT_EQ(r.text(0, 0), "値 " + std::to_string(k));
    }
    const auto names = pg_->exec("SELECT statement FROM pg_prepared_statements ORDER BY statement");
    ASSERT_EQ(names.rows(), 2);
    EXPECT_EQ(names.text(0, 0), insert);
    EXPECT_EQ(names.text(1, 0), select);
    // A NULL is another parameter type, so another statement; its answer is the same as ever.
    for (int i = 0; i < 3; ++i) EXPECT_EQ(pg_->exec(select, {PgParam::null()}).rows(), 0);
}

TEST_F(PgConnectionTest, AStatementTheServerRefusesFailsEveryTimeAndIsNeverNamed) {
    for (int i = 0; i < 3; ++i) {
        try {
            pg_->exec("SELEC v FROM t WHERE k = $1", {PgParam::integer(1)});
            FAIL() << "a syntax error was accepted";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("syntax error"), std::string::npos) << e.what();
        }
    }
    EXPECT_EQ(preparedOnServer(), 0);
}

// Prepared inside a transaction that then rolled back: PostgreSQL keeps a session's prepared
// statements whatever becomes of the transaction, so the name stays good.
TEST_F(PgConnectionTest, AStatementPreparedInATransactionThatRolledBackStillRuns) {
    const std::string insert = "INSERT INTO t (k, v) VALUES ($1, 'x')";
    auto prepareThenFail = [&] {
        for (int k = 1; k <= 3; ++k) pg_->exec(insert, {PgParam::integer(k)});
        throw std::runtime_error("changed my mind");
    };
    EXPECT_THROW(pg_->transaction(prepareThenFail), std::runtime_error);
    EXPECT_EQ(pg_->exec("SELECT count(*) FROM t").integer(0, 0), 0);
    pg_->exec(insert, {PgParam::integer(4)});
    EXPECT_EQ(pg_->exec("SELECT k FROM t").integer(0, 0), 4);
    EXPECT_EQ(preparedOnServer(), 1);
}

TEST_F(PgConnectionTest, AfterTheSessionsStatementsAreDiscardedTheyArePreparedAgain) {
    const std::string select = "SELECT count(*) FROM t WHERE k > $1";
    for (int i = 0; i < 3; ++i) EXPECT_EQ(pg_->exec(select, {PgParam::integer(0)}).integer(0, 0), 0);
    pg_->execScript("DEALLOCATE ALL");  // what a pooler's DISCARD ALL does to them
    EXPECT_THROW(pg_->exec(select, {PgParam::integer(0)}), std::runtime_error);  // its name is void
    for (int i = 0; i < 3; ++i) EXPECT_EQ(pg_->exec(select, {PgParam::integer(0)}).integer(0, 0), 0);
    EXPECT_EQ(pg_->exec("SELECT count(*) FROM pg_prepared_statements").integer(0, 0), 1);
}

}  // namespace
