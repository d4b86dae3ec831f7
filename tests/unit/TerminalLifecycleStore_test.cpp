// The store's side of a terminal's lifecycle, on SQLite and PostgreSQL alike: certificate
// renewal (offered, pending, adopted), decommissioning, and enrollment tokens listed and revoked.
#include <gtest/gtest.h>

#include "collector/PostgresStore.h"

#include "collector/SqliteStore.h"
#include <sqlite3.h>

#include <optional>

#include "collector/Store.h"
#include "mamori/common/UserError.h"
#include "tests/support/StoreBackends.h"
#include "tests/support/StoreSamples.h"

using namespace mamori::collector;
using mamori::common::UserError;
using mamori::test::batch;
using mamori::test::kNow;
using mamori::test::terminal;

namespace {

template <class F>
std::optional<UserError::Kind> userErrorOf(F f) {
    try {
        f();
    } catch (const UserError& e) {
        return e.kind();
    }
    return std::nullopt;
}

template <class Backend>
struct TerminalLifecycleStore : mamori::test::StoreFixture<Backend> {};
TYPED_TEST_SUITE(TerminalLifecycleStore, mamori::test::StoreBackends, mamori::test::StoreBackendNames);

const std::string kEventKey(32, '\x07');  // terminal()'s public_key
const std::string kNewKey(32, '\x21'), kNewerKey(32, '\x22');

TerminalStore::CertificateOffer offer(const std::string& key, const std::string& tag) {
    return {"tls certificate " + tag, key, "evidence certificate " + tag};
}

}  // namespace

TYPED_TEST(TerminalLifecycleStore, AtEnrollmentOneCertificateIsBothTheTlsIdentityAndTheEventKeys) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    const auto t = *store->terminal("t1");
    EXPECT_EQ(t.tls_public_key, kEventKey);
    EXPECT_EQ(t.tls_certificate_pem, t.certificate_pem);
    EXPECT_TRUE(t.pending_public_key.empty());
    EXPECT_EQ(t.decommissioned_unix, 0);
}

TYPED_TEST(TerminalLifecycleStore, ARenewedCertificateIsPendingUntilPresentedThenReplacesTheOldOne) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->offerCertificate("t1", kEventKey, offer(kNewKey, "1"));
    auto t = *store->terminal("t1");
    EXPECT_EQ(t.tls_public_key, kEventKey) << "the old certificate stays good until the new one is presented";
    EXPECT_EQ(t.pending_public_key, kNewKey);
    EXPECT_EQ(t.pending_certificate_pem, "tls certificate 1");
    EXPECT_EQ(t.certificate_pem, "evidence certificate 1") << "the event key's certificate is re-issued";
    EXPECT_EQ(t.public_key, kEventKey) << "the event key never changes";
    // A lost answer: the terminal asks again, and the newer offer replaces the one never presented.
    store->offerCertificate("t1", kEventKey, offer(kNewerKey, "2"));
    EXPECT_FALSE(store->adoptPendingCertificate("t1", kNewKey, kNow)) << "replaced, no longer pending";
    EXPECT_FALSE(store->adoptPendingCertificate("t1", "", kNow));
    EXPECT_TRUE(store->adoptPendingCertificate("t1", kNewerKey, kNow + 5));
    t = *store->terminal("t1");
    EXPECT_EQ(t.tls_public_key, kNewerKey);
    EXPECT_EQ(t.tls_certificate_pem, "tls certificate 2");
    EXPECT_TRUE(t.pending_public_key.empty());
    EXPECT_TRUE(t.pending_certificate_pem.empty());
    EXPECT_EQ(t.certificate_renewed_unix, kNow + 5);
    EXPECT_FALSE(this->open()->adoptPendingCertificate("t1", kNewerKey, kNow + 6)) << "adopted once, by one collector";
    // Lists leave the certificates out but keep the keys.
    const auto listed = store->terminals().at(0);
    EXPECT_TRUE(listed.tls_certificate_pem.empty());
    EXPECT_EQ(listed.tls_public_key, kNewerKey);
}

TYPED_TEST(TerminalLifecycleStore, AnOfferForAReplacedOrUnknownCertificateIsRefused) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->offerCertificate("t1", kEventKey, offer(kNewKey, "1"));
    ASSERT_TRUE(store->adoptPendingCertificate("t1", kNewKey, kNow));
    // The enrollment certificate was replaced: a request made with it (on another collector, a
    // moment before) must not issue another.
    EXPECT_EQ(userErrorOf([&] { store->offerCertificate("t1", kEventKey, offer(kNewerKey, "2")); }),
              UserError::Kind::Conflict);
    EXPECT_TRUE(store->terminal("t1")->pending_public_key.empty());
    EXPECT_EQ(userErrorOf([&] { store->offerCertificate("nope", kEventKey, offer(kNewerKey, "2")); }),
              UserError::Kind::NotFound);
}

TYPED_TEST(TerminalLifecycleStore, ADecommissionedTerminalKeepsItsEvidenceAndIsExpectedNowhere) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->addTerminal(terminal("t2"));
    store->ingest(batch("t1", 1, 5));
    // A standing condition (a wrong clock) open since 2026-01-05.
    store->recordSync("t1", TerminalStore::Sync{kNow, 1, -86'400'000, true, "2026-01-05", "a day behind"});
    store->offerCertificate("t1", kEventKey, offer(kNewKey, "1"));
    ASSERT_EQ(store->silentTerminals(kNow + 86400 * 30).size(), 2u);

    const auto t = store->decommissionTerminal(
        "t1", {kNow + 100, "2026-01-07", "admin", "replaced by t9", "final evidence certificate"});
    EXPECT_EQ(t.decommissioned_unix, kNow + 100);
    EXPECT_EQ(t.decommissioned_by, "admin");
    EXPECT_EQ(t.decommission_reason, "replaced by t9");
    EXPECT_EQ(t.certificate_pem, "final evidence certificate");
    EXPECT_EQ(t.head_seq, 5u);
    EXPECT_EQ(store->events("t1", 0, 0, 100).size(), 5u) << "its history is kept";

    const auto silent = store->silentTerminals(kNow + 86400 * 30);
    ASSERT_EQ(silent.size(), 1u) << "a decommissioned terminal is not missing";
    EXPECT_EQ(silent[0].id, "t2");
    const auto conditions = store->conditionsBetween("2026-01-01", "2026-01-31");
    ASSERT_EQ(conditions.size(), 1u);
    EXPECT_EQ(conditions[0].cleared_date, "2026-01-07") << "a terminal that is gone violates nothing more";
    EXPECT_TRUE(store->conditionsBetween("2026-01-08", "2026-01-08").empty());

    // Nothing renews or adopts a certificate for it any more.
    EXPECT_FALSE(store->adoptPendingCertificate("t1", kNewKey, kNow + 200));
    EXPECT_EQ(userErrorOf([&] { store->offerCertificate("t1", kEventKey, offer(kNewerKey, "2")); }),
              UserError::Kind::Conflict);
    EXPECT_EQ(userErrorOf([&] { store->decommissionTerminal("t1", {kNow + 300, "2026-01-08", "admin", "again", ""}); }),
              UserError::Kind::Conflict);
    EXPECT_EQ(store->terminal("t1")->decommission_reason, "replaced by t9") << "the first decision stands";
    EXPECT_EQ(userErrorOf([&] { store->decommissionTerminal("nope", {kNow, "2026-01-08", "admin", "x", ""}); }),
              UserError::Kind::NotFound);
    EXPECT_EQ(userErrorOf([&] { store->decommissionTerminal("t2", {kNow, "", "admin", "x", ""}); }),
              UserError::Kind::Invalid);
    // Without a new evidence certificate the stored one stays.
    const std::string before = store->terminal("t2")->certificate_pem;
    EXPECT_EQ(store->decommissionTerminal("t2", {kNow, "2026-01-08", "admin", "lost", ""}).certificate_pem, before);
}

TYPED_TEST(TerminalLifecycleStore, EnrollmentTokensAreListedAndAnUnusedOneCanBeRevoked) {
    auto store = this->open();
    const std::string a(64, 'a'), b = "b" + std::string(63, '0'), c = "c" + std::string(63, '0'),
                      d = "d" + std::string(63, '0');
    store->addEnrollToken(EnrollToken{a, "税務課", kNow + 3600, "admin"});
    store->addEnrollToken(EnrollToken{b, "住民課", kNow + 7200, "admin"});
    store->addEnrollToken(EnrollToken{c, "住民課", kNow - 1, "admin"});
    store->addEnrollToken(EnrollToken{d, "住民課", kNow + 60, "admin"});
    ASSERT_TRUE(store->consumeEnrollToken(d, kNow));

    const auto listed = store->enrollTokens();
    ASSERT_EQ(listed.size(), 4u);
    EXPECT_EQ(listed[0].token_hash, b) << "newest expiry first";
    EXPECT_EQ(listed[1].token_hash, a);
    EXPECT_EQ(listed[2].token_hash, d);
    EXPECT_EQ(listed[2].used_unix, kNow);
    EXPECT_EQ(listed[3].token_hash, c);
    EXPECT_EQ(listed[0].id(), b.substr(0, 12));

    const EnrollToken revoked = store->revokeEnrollToken(a.substr(0, 12), kNow + 10, "suzuki");
    EXPECT_EQ(revoked.token_hash, a);
    EXPECT_EQ(revoked.revoked_unix, kNow + 10);
    EXPECT_EQ(revoked.revoked_by, "suzuki");
    EXPECT_FALSE(store->consumeEnrollToken(a, kNow + 20)) << "a revoked token enrolls nothing";
    const auto stored = this->open()->enrollToken(a);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->revoked_by, "suzuki");
    EXPECT_EQ(stored->used_unix, 0) << "revoked, not used";
    EXPECT_EQ(userErrorOf([&] { store->revokeEnrollToken(a.substr(0, 12), kNow + 30, "x"); }),
              UserError::Kind::Conflict)
        << "already revoked";
    EXPECT_EQ(userErrorOf([&] { store->revokeEnrollToken(d.substr(0, 12), kNow + 30, "x"); }),
              UserError::Kind::Conflict)
        << "already used: decommission the terminal instead";
    EXPECT_EQ(userErrorOf([&] { store->revokeEnrollToken(c.substr(0, 12), kNow + 30, "x"); }),
              UserError::Kind::Conflict)
        << "expired";
    EXPECT_EQ(userErrorOf([&] { store->revokeEnrollToken("f00000000000", kNow, "x"); }), UserError::Kind::NotFound);
    EXPECT_EQ(userErrorOf([&] { store->revokeEnrollToken("b000", kNow, "x"); }), UserError::Kind::Invalid);
    EXPECT_EQ(userErrorOf([&] { store->revokeEnrollToken("", kNow, "x"); }), UserError::Kind::Invalid);
    // Two tokens whose hashes begin alike: the id names neither, and neither is revoked.
    store->addEnrollToken(EnrollToken{std::string(12, 'e') + std::string(52, '1'), "g", kNow + 60, "admin"});
    store->addEnrollToken(EnrollToken{std::string(12, 'e') + std::string(52, '2'), "g", kNow + 60, "admin"});
    EXPECT_EQ(userErrorOf([&] { store->revokeEnrollToken(std::string(12, 'e'), kNow, "x"); }),
              UserError::Kind::Conflict);
    EXPECT_TRUE(store->consumeEnrollToken(std::string(12, 'e') + std::string(52, '1'), kNow));
    // Ids are typed by people: letter case does not matter.
    EXPECT_EQ(store->revokeEnrollToken("B00000000000", kNow, "x").token_hash, b);
}

namespace {

// Takes a store back to the schema before the lifecycle columns, as a collector of the version
// before left it: the upgrade must let its terminals go on connecting with the certificate they have.
void downgradeToBeforeTheLifecycle(const std::string& url) {
    const char* drop =
        "ALTER TABLE terminals DROP COLUMN tls_certificate_pem; ALTER TABLE terminals DROP COLUMN tls_public_key; "
        "ALTER TABLE terminals DROP COLUMN pending_certificate_pem; ALTER TABLE terminals DROP COLUMN pending_public_key; "
        "ALTER TABLE terminals DROP COLUMN certificate_renewed_unix; ALTER TABLE terminals DROP COLUMN decommissioned_unix; "
        "ALTER TABLE terminals DROP COLUMN decommissioned_by; ALTER TABLE terminals DROP COLUMN decommission_reason; "
        "ALTER TABLE enroll_tokens DROP COLUMN revoked_unix; ALTER TABLE enroll_tokens DROP COLUMN revoked_by; "
        // The step after it: the media ledger.
        "DROP TABLE media_history; DROP TABLE media_terminals; DROP TABLE media; "
        // And the console's.
        "DROP TABLE console_sessions; DROP TABLE console_logins;";
    // The lifecycle is three steps before the latest.
    const int before = 3;
    if (url.rfind("sqlite:", 0) == 0) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(url.substr(7).c_str(), &db), SQLITE_OK);
        char* err = nullptr;
        const std::string sql =
            std::string(drop) + "PRAGMA user_version = " + std::to_string(SqliteStore::kSchemaVersion - before) + ";";
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
        const std::string why = err ? err : "";
        sqlite3_free(err);
        sqlite3_close(db);
        ASSERT_EQ(rc, SQLITE_OK) << why;
    } else {
        auto* server = mamori::test::PostgresServer::shared();
        const std::string database = mamori::test::PostgresServer::databaseOf(url);
        server->exec(database, drop);
        server->exec(database, "UPDATE mamori_meta SET value = '" + std::to_string(PostgresStore::kSchemaVersion - before) +
                                   "' WHERE key = 'schema_version'");
    }
}

}  // namespace

TYPED_TEST(TerminalLifecycleStore, TerminalsEnrolledBeforeTheUpgradeKeepTheirCertificate) {
    {
        auto store = this->open();
        store->addTerminal(terminal("t1"));
        store->addEnrollToken(EnrollToken{std::string(64, 'a'), "g", kNow + 60, "admin"});
    }
    downgradeToBeforeTheLifecycle(this->url);
    if (this->HasFatalFailure()) return;
    auto store = this->open();  // migrates
    const auto t = *store->terminal("t1");
    EXPECT_EQ(t.tls_public_key, kEventKey);
    EXPECT_EQ(t.tls_certificate_pem, t.certificate_pem);
    EXPECT_EQ(t.decommissioned_unix, 0);
    EXPECT_EQ(store->enrollTokens().at(0).revoked_unix, 0);
    store->offerCertificate("t1", kEventKey, offer(kNewKey, "1"));
    EXPECT_TRUE(store->adoptPendingCertificate("t1", kNewKey, kNow));
}
