// The audit commands of mamorictl against a real collector on each store: `export` writes a
// bundle that `verify` checks offline, `report monthly` answers as table, CSV and JSON, and
// `migrate` moves a collector's SQLite store into PostgreSQL, where it carries on.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "tests/support/SimulatedTerminal.h"
#include "CollectorOnEachStore.h"
#include "tests/support/TestCollector.h"
#include "mamori/v1/evidence.pb.h"
#include "tests/support/PostgresServer.h"

using namespace mamori::test;

namespace {

const auto* const kPostgresEnvironment = ::testing::AddGlobalTestEnvironment(new PostgresServer::Environment);

// Today in the collector's time zone (Asia/Tokyo, no daylight saving).
std::string todayInTokyo(const char* format = "%Y-%m-%d") {
    const time_t t = time(nullptr) + 9 * 3600;
    char buf[16];
    strftime(buf, sizeof buf, format, gmtime(&t));
    return buf;
}

class EvidenceAdmin : public CollectorOnEachStore {
protected:
    EvidenceAdmin() : CollectorOnEachStore("evidence-admin") {}

    std::string ca() const { return mamori::common::Files::read(collector->dir() / "ca.pem"); }

    // A terminal of `section` that has sent n heartbeats.
    SimulatedTerminal terminal(const std::string& name, const std::string& section, int n) {
        SimulatedTerminal t(collector->agentUrl(), ca());
        EXPECT_EQ(t.enroll(collector->token(section), name).status, 200u);
        EXPECT_EQ(t.send(t.batch(n)).status, 200u);
        return t;
    }

    std::string run(const std::filesystem::path& conf, std::vector<std::string> args, int expect = 0) {
        args.insert(args.begin(), {bin("mamorictl"), "--config", conf.string()});
        std::string out;
        EXPECT_EQ(Subprocess::run(args, &out), expect) << out;
        return out;
    }

};

TEST_P(EvidenceAdmin, ExportVerifiesOfflineAndATamperedBundleFailsNamingTheEvent) {
    terminal("term-a", "税務課", 10);
    const std::string today = todayInTokyo();
    const auto bundle_file = dir / "term-a.bundle";
    std::string out = collector->ctl({"export", "--terminal", "term-a", "--from", today, "--to", today,
                                      bundle_file.string()});
    EXPECT_NE(out.find("10 events of terminal term-a"), std::string::npos) << out;
    EXPECT_EQ(std::filesystem::status(bundle_file).permissions() & std::filesystem::perms::others_read,
              std::filesystem::perms::none);

    // Offline: the collector is stopped, verify needs nothing but the file (and the CA to trust).
    collector->stop();
    const std::string ca_file = (collector->dir() / "ca.pem").string();
    out = collector->ctl({"verify", bundle_file.string(), "--ca", ca_file});
    EXPECT_NE(out.find("verified 10 events of terminal term-a, seq 1 to 10"), std::string::npos) << out;

    // One byte of seq 4's signature, in the file itself.
    std::string bytes = mamori::common::Files::read(bundle_file);
    mamori::v1::EvidenceBundle bundle;
    ASSERT_TRUE(bundle.ParseFromString(bytes));
    const auto at = bytes.find(bundle.events(3).signature());
    ASSERT_NE(at, std::string::npos);
    bytes[at + 10] ^= 0x20;
    const auto tampered = dir / "tampered.bundle";
    mamori::common::Files::writeAtomic(tampered, bytes);
    out = collector->ctl({"verify", tampered.string(), "--ca", ca_file}, 1);
    EXPECT_NE(out.find("verification FAILED at seq 4"), std::string::npos) << out;
    EXPECT_NE(out.find("検証失敗"), std::string::npos) << out;

    // Another collector's CA.
    TestCollector other(dir / "other");
    out = collector->ctl({"verify", bundle_file.string(), "--ca", (other.dir() / "ca.pem").string()}, 1);
    EXPECT_NE(out.find("is not the CA given"), std::string::npos) << out;
    EXPECT_NE(collector->ctl({"verify", (dir / "missing").string()}, 1).find("cannot"), std::string::npos);
}

TEST_P(EvidenceAdmin, ExportIsForAuditorsCisoAndAdminAndManagersOfTheSectionAndIsLogged) {
    terminal("term-a", "税務課", 3);
    const std::string today = todayInTokyo();
    const auto own = collector->addUser("yamada", {"--role", "section_manager", "--section", "税務課"});
    const auto other = collector->addUser("sato", {"--role", "section_manager", "--section", "住民課"});
    const auto auditor = collector->addUser("kansa", {"--role", "auditor"});
    const std::vector<std::string> args{"export", "--terminal", "term-a", "--from", today, "--to", today};
    auto to = [&](const std::string& name) {
        auto a = args;
        a.push_back((dir / (name + ".bundle")).string());
        return a;
    };
    run(own, to("own"));
    run(auditor, to("auditor"));
    const std::string refused = run(other, to("other"), 1);
    EXPECT_NE(refused.find("HTTP 403"), std::string::npos) << refused;
    EXPECT_FALSE(std::filesystem::exists(dir / "other.bundle"));
    EXPECT_NE(collector->ctl({"export", "--terminal", "term-a", "--from", today, (dir / "x").string()}, 2)
                  .find("missing the last date (--to)"),
              std::string::npos);

    const std::string log = collector->ctl({"access-log", "--format", "csv"});
    EXPECT_NE(log.find("yamada,section_manager,term-a,export " + today + " to " + today), std::string::npos) << log;
    EXPECT_NE(log.find("kansa,auditor,term-a,export"), std::string::npos) << log;
    EXPECT_NE(log.find("sato,section_manager,term-a,export (refused)"), std::string::npos) << log;
}

TEST_P(EvidenceAdmin, ReportMonthlyAsTableCsvAndJson) {
    terminal("term-a", "税務課", 2);
    terminal("term-b", "住民課", 2);
    const std::string month = todayInTokyo("%Y-%m");
    const auto v = boost::json::parse(collector->ctl({"report", "monthly", "--month", month, "--format", "json"}));
    EXPECT_EQ(v.at("month").as_string(), month);
    ASSERT_EQ(v.at("sections").as_array().size(), 2u) << v;
    EXPECT_EQ(v.at("sections").at(1).at("section").as_string(), "税務課");
    EXPECT_EQ(v.at("sections").at(1).at("terminals").as_int64(), 1);

    const std::string table = collector->ctl({"report", "monthly", "--month", month, "--section", "住民課"});
    EXPECT_NE(table.find("月次点検"), std::string::npos) << table;
    EXPECT_NE(table.find("住民課"), std::string::npos) << table;
    EXPECT_EQ(table.find("税務課"), std::string::npos) << table;
    const std::string csv = collector->ctl({"report", "monthly", "--month", month, "--format", "csv"});
    EXPECT_EQ(csv.rfind("\xEF\xBB\xBFsection,measure,item,count,of", 0), 0u) << csv;

    EXPECT_NE(collector->ctl({"report", "monthly", "--month", "2026/11"}, 2).find("YYYY-MM"), std::string::npos);
    EXPECT_EQ(v.at("version").as_int64(), 1);
    EXPECT_EQ(v.at("time_zone").as_string(), "Asia/Tokyo");
    const std::string help = collector->ctl({"report", "monthly", "--help"});
    EXPECT_NE(help.find("--month YYYY-MM"), std::string::npos) << help;
    EXPECT_EQ(help.find("token create"), std::string::npos) << "only this command's usage";
}

// A client's mistake in a query is a 400 that says what was wrong, in both languages; never a 500.
TEST_P(EvidenceAdmin, OutOfRangeNumbersAndMalformedDatesInAQueryAre400WithTheReason) {
    terminal("term-a", "税務課", 1);
    auto refused = [&](const std::string& target, const std::string& reason) {
        const auto res = collector->adminAnswer(target);
        EXPECT_EQ(res.status, 400u) << target << ": " << res.body;
        const auto v = boost::json::parse(res.body);
        EXPECT_NE(std::string(v.at("error").as_string()).find(reason), std::string::npos) << target << ": " << res.body;
        EXPECT_FALSE(v.at("error_ja").as_string().empty()) << res.body;
    };
    refused("/admin/v1/events?terminal=term-a&since_unix=99999999999999999999", "since_unix must be from 0 to");
    refused("/admin/v1/events?terminal=term-a&limit=-1", "limit must be from 1 to 10000");
    refused("/admin/v1/events?terminal=term-a&limit=ten", "limit must be a whole number");
    refused("/admin/v1/access-log?limit=18446744073709551616", "limit must be from 1 to 100000");
    refused("/admin/v1/exceptions?expiring_days=9223372036854775807", "expiring_days must be from 0 to 3660");
    refused("/admin/v1/violations?date=2026-13-45", "date must be a date, YYYY-MM-DD");
    refused("/admin/v1/violations?date=2026-02-30", "'2026-02-30' is not one");
    refused("/admin/v1/violations?date=today&control=usbb", "no control 'usbb'; give one of usb, hours");
    refused("/admin/v1/export?terminal=term-a&from=2026-11-01&to=yesterday", "to must be a date");
    refused("/admin/v1/report/monthly?month=2026-13", "the month must be YYYY-MM");
    refused("/admin/v1/events?terminal=term-a&since=2026-02-30", "since must be a date, YYYY-MM-DD, that exists");
    refused("/admin/v1/events?terminal=term-a&since=2026-11-01&since_unix=0", "not both");
    refused("/admin/v1/access-log?since=2026-2-3", "'2026-2-3' is not one");
    // And mamorictl shows the collector's reason in both languages, exiting 1.
    const std::string out = collector->ctl({"violations", "--control", "usbb"}, 1);
    EXPECT_NE(out.find("HTTP 400"), std::string::npos) << out;
    EXPECT_NE(out.find("no control 'usbb'"), std::string::npos) << out;
}

// A name that matches nothing is a 404 that says what was meant, never an empty answer.
TEST_P(EvidenceAdmin, UnknownTerminalsAndSectionsAre404WithTheNameMeant) {
    terminal("term-a", "税務課", 1);
    auto missing = [&](const std::string& target, const std::string& reason, const std::string& reason_ja) {
        const auto res = collector->adminAnswer(target);
        EXPECT_EQ(res.status, 404u) << target << ": " << res.body;
        const auto v = boost::json::parse(res.body);
        EXPECT_NE(std::string(v.at("error").as_string()).find(reason), std::string::npos) << target << ": " << res.body;
        EXPECT_NE(std::string(v.at("error_ja").as_string()).find(reason_ja), std::string::npos) << res.body;
    };
    missing("/admin/v1/events?terminal=term-b", "no terminal 'term-b' is enrolled; did you mean 'term-a'?",
            "「term-a」の誤りではありませんか");
    missing("/admin/v1/export?terminal=trem-a&from=2026-11-01&to=2026-11-30", "did you mean 'term-a'?", "term-a");
    // Percent-encoded, as every client sends a name in a URL.
    missing("/admin/v1/violations?section=%E7%A8%8E%E5%8B%99%E7%A7%91", "no section (group) '税務科' is known; did you mean '税務課'?",
            "「税務課」の誤りではありませんか");
    missing("/admin/v1/report/monthly?month=2026-11&section=zeimu", "known: 税務課", "登録済みの所属: 税務課");
    missing("/admin/v1/terminals?section=x", "no section (group) 'x'", "所属（グループ）「x」は登録されていません");
    std::string out = collector->ctl({"events", "--terminal", "term-b"}, 1);
    EXPECT_NE(out.find("did you mean 'term-a'?"), std::string::npos) << out;
    out = collector->ctl({"export", "--terminal", "term-b", "--from", "2026-11-01", "--to", "2026-11-30",
                          (dir / "b.bundle").string()},
                         1);
    EXPECT_NE(out.find("did you mean 'term-a'?"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(dir / "b.bundle"));
    out = collector->ctl({"terminal", "resolve-tampering", "term-b", "--note", "n"}, 1);
    EXPECT_NE(out.find("did you mean 'term-a'?"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Stores, EvidenceAdmin, CollectorOnEachStore::stores(), CollectorOnEachStore::name);

// The way a site moves: stop the collector, copy its SQLite store into an empty PostgreSQL
// database, point collector.conf at it, start again.
TEST(StoreMigrate, SqliteCollectorMovesToPostgresAndCarriesOn) {
    auto* server = PostgresServer::shared();
    if (!server) GTEST_SKIP() << PostgresServer::kSkipMessage;
    const auto dir = tempDir("migrate");
    TestCollector collector(dir / "collector");
    collector.start();
    SimulatedTerminal t(collector.agentUrl(), mamori::common::Files::read(collector.dir() / "ca.pem"));
    ASSERT_EQ(t.enroll(collector.token("税務課"), "term-a").status, 200u);
    ASSERT_EQ(t.send(t.batch(25)).status, 200u);
    collector.ctl({"events", "--terminal", "term-a"});  // an access-log row
    collector.stop();

    const std::string from = "sqlite:" + (collector.dir() / "store.db").string();
    const std::string to = server->createDatabase();
    std::string out;
    ASSERT_EQ(Subprocess::run({bin("mamori-collector"), "migrate", "--from", from, "--to", to}, &out), 0) << out;
    // A row of the printed table: "events   25   25".
    auto row = [&](const std::string& table) {
        const auto at = out.find("\n" + table + " ");
        return at == std::string::npos ? std::string() : out.substr(at + 1, out.find('\n', at + 1) - at - 1);
    };
    EXPECT_NE(row("events").find(" 25"), std::string::npos) << out;
    EXPECT_NE(row("terminals").find(" 1"), std::string::npos) << out;
    EXPECT_NE(out.find("access_log"), std::string::npos) << out;
    EXPECT_NE(out.find("every table copied"), std::string::npos) << out;
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "migrate", "--from", from, "--to", to}, &out), 1) << out;
    EXPECT_NE(out.find("not empty"), std::string::npos) << out;
    // mamorictl, which no longer opens stores, says where the command went.
    out = collector.ctl({"migrate", "--from", from, "--to", to}, 2);
    EXPECT_NE(out.find("mamori-collector migrate"), std::string::npos) << out;

    // collector.conf: store = the PostgreSQL database.
    std::string conf = mamori::common::Files::read(collector.dir() / "collector.conf");
    const auto line = conf.find("store = ");
    ASSERT_NE(line, std::string::npos) << conf;
    conf.replace(line, conf.find('\n', line) - line, "store = " + to);
    mamori::common::Files::writeAtomic(collector.dir() / "collector.conf", conf, 0600);
    std::filesystem::remove(collector.dir() / "store.db");
    collector.start();
    EXPECT_EQ(collector.seqs("term-a").size(), 25u);
    const auto more = t.send(t.batch(5));
    EXPECT_EQ(more.status, 200u) << more.body;
    EXPECT_EQ(collector.seqs("term-a").size(), 30u) << "the chain continues from the migrated head";
    collector.stop();
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
