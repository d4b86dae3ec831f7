// mamori-collector migrate's copy: a SQLite store into the real PostgreSQL and back, every table and
// counter as it was.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>

#include "collector/PolicyResolver.h"
#include "collector/StoreMigration.h"
#include "tests/support/StoreBackends.h"
#include "tests/support/StoreSamples.h"

using namespace mamori::collector;
using mamori::test::batch;
using mamori::test::kNow;
using mamori::test::terminal;
namespace v1 = mamori::v1;

namespace {

class StoreMigrationTest : public ::testing::Test {
protected:
    void SetUp() override {
        server = mamori::test::PostgresServer::shared();
        if (!server) GTEST_SKIP() << mamori::test::PostgresServer::kSkipMessage;
        sqlite.setUp();
    }
    void TearDown() override { sqlite.tearDown(); }

    // A store with a row in every table, and a policy version counter ahead of every row.
    void fill(Store& s) {
        s.putSetting("time_zone", "Asia/Tokyo");
        s.addAdminUser({"admin", "security_admin", {}, "hash-admin"});
        s.addAdminUser({"suzuki", "section_manager", {"税務課", "住民課"}, "hash-suzuki", {"approve", "person_events"}, kNow});
        s.addEnrollToken({"token-used", "税務課", kNow + 3600, "admin"});
        s.addEnrollToken({"token-open", "住民課", kNow + 3600, "admin"});
        s.consumeEnrollToken("token-used", kNow);
        s.addTerminal(terminal("t1", "税務課"));
        s.addTerminal(terminal("t2", "住民課"));
        IngestBatch b = batch("t1", 1, 30);
        b.events[3].violation = true;
        b.issues = {EvidenceIssue{"gap", 40, 41, "lost", "2026-01-05", kNow}};
        s.ingest(b);
        s.ingest(batch("t2", 1, 5, "2026-01-06"));
        s.recordSync("t1", kNow + 10, 1, -250);
        s.addPolicy({0, "all", "全庁標準", std::string("\x08\x00\xff", 3), kNow, "admin"});
        s.setTerminalGroup("t2", "税務課");
        s.addException({0, "ex-1", "t1", "", kNow + 86400, kNow, "exc", "requested", "admin"},
                       {"ex-1", kNow, "admin", "security_admin", "requested", ""});
        s.changeException({"ex-1", kNow + 5, "ciso", "ciso", "approved", "決裁済"}, "requested", "active", "", "ciso", 0);
        s.addException({0, "ex-2", "", "住民課", kNow + 60, kNow, "exc", "requested", "admin"},
                       {"ex-2", kNow, "admin", "security_admin", "requested", ""});
        s.purgeExceptionsExpiredBy(kNow + 60);  // ex-2's version was handed out and is gone
        const auto stick = s.addMedia(mamori::test::mediaRecord("0781:5581:4C530001", "税務課", kNow + 86400, {"t1"}),
                                      "M-2025-", mamori::test::mediaChange("requested"));
        s.changeMedia(mamori::test::mediaMoved(stick, "active", kNow + 6), "requested",
                      mamori::test::mediaChange("approved", kNow + 6, stick.id));
        s.recordAccess({kNow, "suzuki", "section_manager", "t1", "events"});
        s.recordAccess({kNow + 1, "suzuki", "section_manager", "t2", "events (refused)"});
    }

    // Every row of every table, to compare two stores.
    static std::map<std::string, std::vector<TableRow>> dump(Store& s) {
        std::map<std::string, std::vector<TableRow>> out;
        for (const auto& t : storeTables()) {
            auto rows = s.readRows(t, nullptr, 1'000'000);
            std::sort(rows.begin(), rows.end());
            out[t.name] = std::move(rows);
        }
        return out;
    }

    mamori::test::PostgresServer* server = nullptr;
    mamori::test::SqliteBackend sqlite;
};

TEST_F(StoreMigrationTest, SqliteToPostgresAndBackKeepsEveryRowAndTheVersionCounter) {
    auto source = openStore(sqlite.newUrl());
    fill(*source);
    const uint64_t last = source->lastPolicyVersion();
    ASSERT_EQ(last, 7u) << "a policy, a move, two exceptions and an approval (the last exception's row is gone), "
                           "a stick registered and approved";

    auto pg = openStore(server->createDatabase());
    std::vector<std::string> seen;
    const auto counts = StoreMigration::run(*source, *pg, [&](const std::string& t) { seen.push_back(t); });
    EXPECT_EQ(seen.size(), storeTables().size());
    std::map<std::string, uint64_t> copied;
    for (const auto& c : counts) {
        EXPECT_EQ(c.source, c.copied) << c.table;
        copied[c.table] = c.copied;
    }
    EXPECT_EQ(copied["events"], 35u);
    EXPECT_EQ(copied["daily_compliance"], 3u);
    EXPECT_EQ(copied["admin_users"], 2u);
    EXPECT_EQ(copied["access_log"], 2u);
    EXPECT_EQ(copied["exception_history"], 2u) << "ex-1 requested and approved; ex-2's went with it";
    EXPECT_EQ(copied["media"], 1u);
    EXPECT_EQ(copied["media_terminals"], 1u);
    EXPECT_EQ(copied["media_history"], 2u);
    EXPECT_EQ(dump(*source), dump(*pg));

    // What the collector reads through the Store interface is the same.
    EXPECT_EQ(pg->adminByTokenHash("hash-suzuki")->sections, (std::vector<std::string>{"税務課", "住民課"}));
    EXPECT_EQ(pg->adminByName("suzuki")->rights, (std::vector<std::string>{"approve", "person_events"}));
    EXPECT_EQ(pg->adminByName("suzuki")->disabled_unix, kNow);
    EXPECT_EQ(pg->exception("ex-1")->state, "active");
    EXPECT_EQ(pg->exception("ex-1")->approved_by, "ciso");
    EXPECT_EQ(pg->exceptionHistory("ex-1").at(1).note, "決裁済");
    const auto stick = pg->media("M-2025-0001");
    ASSERT_TRUE(stick);
    EXPECT_EQ(stick->state, "active");
    EXPECT_TRUE(stick->encrypted);
    EXPECT_EQ(stick->terminals, std::vector<std::string>{"t1"});
    EXPECT_EQ(pg->mediaFor("t1", "税務課", kNow).size(), 1u);

    EXPECT_FALSE(pg->consumeEnrollToken("token-used", kNow)) << "a used token stays used";
    EXPECT_TRUE(pg->consumeEnrollToken("token-open", kNow));
    EXPECT_EQ(pg->terminal("t2")->policy_reissue_version, source->terminal("t2")->policy_reissue_version);
    EXPECT_EQ(pg->events("t1", 0, 0, 100).size(), 30u);
    EXPECT_EQ(pg->compliance("2026-01-05", false).size(), 2u) << "the violation and the gap";
    EXPECT_EQ(pg->accessLog(0, 10).at(0).action, "events (refused)");
    const auto t1 = *pg->terminal("t1");
    EXPECT_EQ(PolicyResolver(*pg).forTerminal(t1, kNow)->version, PolicyResolver(*source).forTerminal(t1, kNow)->version);

    // The counter continues after every version ever handed out, even one whose row is gone.
    EXPECT_EQ(pg->lastPolicyVersion(), last);
    EXPECT_EQ(pg->addPolicy({0, "all", "次", "", kNow, "admin"}), last + 1);
    pg->recordAccess({kNow + 2, "admin", "admin", "t1", "events"});
    EXPECT_EQ(pg->accessLog(0, 10).size(), 3u) << "ids continue after the copied ones";

    // And back into a new SQLite file.
    auto back = openStore(sqlite.newUrl());
    StoreMigration::run(*pg, *back);
    EXPECT_EQ(dump(*pg), dump(*back));
    EXPECT_EQ(back->addPolicy({0, "all", "次の次", "", kNow, "admin"}), last + 2);
    pg->changeException({"ex-1", kNow + 9, "ciso", "ciso", "revoked", "r"}, "active", "revoked", "", "", kNow + 9);
    EXPECT_EQ(pg->exceptionHistory("").size(), 3u) << "history ids continue after the copied ones";
    pg->changeMedia(mamori::test::mediaMoved(*stick, "retiring", kNow + 9, "admin"), "active",
                    mamori::test::mediaChange("retirement requested", kNow + 9, stick->id));
    EXPECT_EQ(pg->mediaHistory("").size(), 3u) << "media history ids continue after the copied ones";
}

TEST_F(StoreMigrationTest, ANonEmptyDestinationIsRefusedBeforeAnythingIsWritten) {
    auto source = openStore(sqlite.newUrl());
    fill(*source);
    auto pg = openStore(server->createDatabase());
    pg->putSetting("time_zone", "Asia/Tokyo");
    try {
        StoreMigration::run(*source, *pg);
        FAIL() << "copied into a non-empty store";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("table settings has 1 rows"), std::string::npos) << e.what();
    }
    EXPECT_EQ(pg->rowCount(storeTables().at(0)), 1u);
    for (size_t i = 1; i < storeTables().size(); ++i) EXPECT_EQ(pg->rowCount(storeTables()[i]), 0u);
}

// storeTables() must name every column of every table, or a migration silently drops it.
TEST_F(StoreMigrationTest, StoreTablesNameEveryColumnOfTheSqliteSchema) {
    const std::string url = sqlite.newUrl();
    openStore(url);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(url.substr(7).c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    std::map<std::string, std::vector<std::string>> schema;
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p "
                                 "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
                                 -1, &st, nullptr),
              SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        schema[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))].push_back(
            reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    std::map<std::string, std::vector<std::string>> listed;
    for (const auto& t : storeTables())
        for (const auto& c : t.columns) listed[t.name].push_back(c.name);
    for (auto& [table, columns] : schema) std::sort(columns.begin(), columns.end());
    for (auto& [table, columns] : listed) std::sort(columns.begin(), columns.end());
    EXPECT_EQ(schema, listed);
}

}  // namespace
