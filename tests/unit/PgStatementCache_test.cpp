// PgStatementCache: which statements a PostgreSQL connection prepares, and the bounds on both
// its sets; the server's side is tested in tests/integration/PgSqlConnection_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collector/PgStatementCache.h"

namespace {

using mamori::collector::PgStatementCache;
using Action = PgStatementCache::Action;

std::string keyOf(const std::string& sql, std::vector<unsigned> types = {}) {
    return PgStatementCache::key(sql, types);
}

TEST(PgStatementCache, AStatementIsPreparedTheSecondTimeAndRunByNameAfter) {
    PgStatementCache c;
    const auto k = keyOf("SELECT $1", {20});
    EXPECT_EQ(c.plan(k).action, Action::RunUnnamed);
    const auto second = c.plan(k);
    ASSERT_EQ(second.action, Action::Prepare);
    c.prepared(k, second.name);
    const auto third = c.plan(k);
    EXPECT_EQ(third.action, Action::RunPrepared);
    EXPECT_EQ(third.name, second.name);
}

TEST(PgStatementCache, APrepareTheServerRefusedIsNotRunByName) {
    PgStatementCache c;
    const auto k = keyOf("SELEC 1");
    c.plan(k);
    EXPECT_EQ(c.plan(k).action, Action::Prepare);  // refused: prepared() never called
    EXPECT_NE(c.plan(k).action, Action::RunPrepared);
    EXPECT_EQ(c.size(), 0u);
}

TEST(PgStatementCache, OtherParameterTypesAreAnotherStatement) {
    EXPECT_NE(keyOf("SELECT $1", {20}), keyOf("SELECT $1", {0}));
    EXPECT_NE(keyOf("SELECT $1", {2, 0}), keyOf("SELECT $1", {20}));
    EXPECT_NE(keyOf("SELECT 1"), keyOf("SELECT 2"));
    PgStatementCache c;
    const auto typed = keyOf("SELECT $1", {20});
    c.plan(typed);
    EXPECT_EQ(c.plan(keyOf("SELECT $1", {0})).action, Action::RunUnnamed);
}

TEST(PgStatementCache, NamesAreNeverReusedAndClearForgetsEverything) {
    PgStatementCache c;
    const auto a = keyOf("SELECT 1"), b = keyOf("SELECT 2");
    c.plan(a), c.plan(b);
    const auto pa = c.plan(a), pb = c.plan(b);
    EXPECT_NE(pa.name, pb.name);
    c.prepared(a, pa.name), c.prepared(b, pb.name);
    c.clear();
    EXPECT_EQ(c.size(), 0u);
    EXPECT_EQ(c.plan(a).action, Action::RunUnnamed);
    const auto again = c.plan(a);
    EXPECT_EQ(again.action, Action::Prepare);
    EXPECT_NE(again.name, pa.name);  // the server may still hold the old name until it drops the session
}

TEST(PgStatementCache, StatementsUsedOnceNeverFillTheServer) {
    PgStatementCache c;
    for (int i = 0; i < 100000; ++i) EXPECT_EQ(c.plan(keyOf("SELECT " + std::to_string(i))).action, Action::RunUnnamed);
    EXPECT_EQ(c.size(), 0u);
    // A statement that matters is still prepared at its second call after all that.
    const auto k = keyOf("SELECT head_seq FROM terminals WHERE id = $1");
    c.plan(k);
    EXPECT_EQ(c.plan(k).action, Action::Prepare);
}

TEST(PgStatementCache, PastItsBoundStatementsRunUnnamed) {
    PgStatementCache c;
    for (size_t i = 0; i < PgStatementCache::kMaxPrepared; ++i) {
        const auto k = keyOf("SELECT " + std::to_string(i));
        c.plan(k);
        const auto p = c.plan(k);
        ASSERT_EQ(p.action, Action::Prepare);
        c.prepared(k, p.name);
    }
    const auto k = keyOf("SELECT 'one more'");
    c.plan(k);
    EXPECT_EQ(c.plan(k).action, Action::RunUnnamed);
    EXPECT_EQ(c.size(), PgStatementCache::kMaxPrepared);
    EXPECT_EQ(c.plan(keyOf("SELECT 0")).action, Action::RunPrepared);  // those prepared still are
}

}  // namespace
