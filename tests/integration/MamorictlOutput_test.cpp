// What mamorictl prints does not depend on the workstation it runs on: times are the
// collector's, in the municipality's zone, so the same command under TZ=UTC, Asia/Tokyo and
// America/New_York prints the same bytes; dates typed by the administrator are read by the
// collector in its zone. Headings follow the locale (LANG=ja_JP.UTF-8: Japanese) or --lang;
// JSON stays English, with ISO 8601 times and utc_ns as a string.
#include <gtest/gtest.h>

#include <sstream>

#include <boost/json.hpp>

#include "CollectorOnEachStore.h"
#include "tests/support/SimulatedTerminal.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

class MamorictlOutput : public CollectorOnEachStore {
protected:
    MamorictlOutput() : CollectorOnEachStore("mamorictl-output") {}

    void SetUp() override {
        CollectorOnEachStore::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        terminal = std::make_unique<SimulatedTerminal>(collector->agentUrl(),
                                                       mamori::common::Files::read(collector->dir() / "ca.pem"));
        ASSERT_EQ(terminal->enroll(collector->token("税務課"), "term-a").status, 200u);
        // Two blocked USB sticks: violations today, with times to show.
        mamori::v1::EventBatch batch;
        batch.set_terminal_id(terminal->id());
        for (int i = 0; i < 2; ++i) {
            mamori::v1::EventBody body;
            body.set_terminal_id(terminal->id());
            body.set_type(mamori::v1::USB_BLOCKED);
            body.set_control(mamori::v1::USB);
            body.set_violation(true);
            body.set_outcome(mamori::v1::ENFORCED);
            body.set_rule_id("usb.storage");
            body.set_utc_ns(terminal->clockNs());
            *batch.add_events() = terminal->chain().append(body);
        }
        ASSERT_EQ(terminal->send(batch).status, 200u);
        today = std::string(collector->admin("/admin/v1/violations?date=today").at("date").as_string());
    }

    // mamorictl with exactly this environment (nothing inherited but PATH), stdout and stderr.
    std::string ctl(const std::vector<std::string>& env, std::vector<std::string> args, int expect = 0) const {
        std::vector<std::string> argv{"/usr/bin/env", "-i", "PATH=/usr/bin:/bin"};
        argv.insert(argv.end(), env.begin(), env.end());
        argv.insert(argv.end(), {bin("mamorictl"), "--config", (collector->dir() / "mamorictl.conf").string()});
        argv.insert(argv.end(), args.begin(), args.end());
        std::string out;
        EXPECT_EQ(Subprocess::run(argv, &out), expect) << out;
        return out;
    }

    std::unique_ptr<SimulatedTerminal> terminal;
    std::string today;
};

TEST_P(MamorictlOutput, EveryWorkstationZonePrintsTheSameBytes) {
    ctl({}, {"events", "--terminal", "term-a"});  // a read, so the access log has a time to show
    const std::vector<std::string> zones{"TZ=UTC", "TZ=Asia/Tokyo", "TZ=America/New_York", "TZ=Pacific/Kiritimati"};
    const std::vector<std::vector<std::string>> commands{
        {"terminals"}, {"violations"}, {"terminals", "--format", "csv"}, {"violations", "--format", "csv"}};
    for (const auto& command : commands) {
        const std::string first = ctl({zones[0]}, command);
        for (const auto& zone : zones) EXPECT_EQ(ctl({zone}, command), first) << zone << " " << command[0];
    }
    // Each read of the access log is itself recorded in it: compared without those rows.
    auto withoutItsOwnReads = [](const std::string& table) {
        std::string out;
        std::istringstream lines(table);
        for (std::string line; std::getline(lines, line);)
            if (line.find("access log") == std::string::npos) out += line + "\n";
        return out;
    };
    const std::string log = withoutItsOwnReads(ctl({zones[0]}, {"access-log"}));
    EXPECT_NE(log.find("term-a    events"), std::string::npos) << log;
    for (const auto& zone : zones) EXPECT_EQ(withoutItsOwnReads(ctl({zone}, {"access-log"})), log) << zone;
    // Each read adds to the access log, so events come after it.
    const std::string events = ctl({zones[0]}, {"events", "--terminal", "term-a", "--since", today});
    for (const auto& zone : zones)
        EXPECT_EQ(ctl({zone}, {"events", "--terminal", "term-a", "--since", today}), events) << zone;

    // The times shown are the collector's, labelled with its zone, to the minute.
    const auto answer = collector->admin("/admin/v1/events?terminal=term-a");
    const std::string iso(answer.at("rows").at(0).at("time").as_string());
    EXPECT_NE(events.find(iso.substr(0, 10) + " " + iso.substr(11, 5)), std::string::npos) << iso << "\n" << events;
    EXPECT_NE(events.find("time (Asia/Tokyo)"), std::string::npos) << events;
    EXPECT_NE(events.find("usb.storage"), std::string::npos) << events;
    EXPECT_NE(ctl({"TZ=UTC"}, {"violations"}).find("last seen (Asia/Tokyo)"), std::string::npos);
    EXPECT_NE(ctl({"TZ=UTC"}, {"access-log", "--format", "csv"}).find("time (Asia/Tokyo),user,role"), std::string::npos);
    // A day to come has no events yet, whatever the workstation's zone.
    EXPECT_EQ(ctl({"TZ=Pacific/Kiritimati"}, {"events", "--terminal", "term-a", "--since", "2099-01-01"})
                  .find("usb.storage"),
              std::string::npos);
}

TEST_P(MamorictlOutput, JsonIsAVersionedEnvelopeWithIsoTimesAndUtcNsAsAString) {
    const auto events = boost::json::parse(ctl({"TZ=UTC"}, {"events", "--terminal", "term-a", "--format", "json"}));
    EXPECT_EQ(events.at("version").as_int64(), 1);
    EXPECT_EQ(events.at("time_zone").as_string(), "Asia/Tokyo");
    EXPECT_EQ(events.at("terminal").as_string(), terminal->id());
    const auto& row = events.at("rows").at(0);
    ASSERT_TRUE(row.at("utc_ns").is_string()) << row;
    EXPECT_EQ(row.at("utc_ns").as_string().size(), 19u) << row;
    const std::string time(row.at("time").as_string());
    EXPECT_EQ(time.size(), 25u) << time;  // 2026-12-04T16:49:03+09:00
    EXPECT_EQ(time.substr(19), "+09:00") << time;
    EXPECT_EQ(time.substr(0, 10), today);
    EXPECT_EQ(std::string(row.at("arrival").as_string()).substr(19), "+09:00") << row;

    for (const std::string listing : {"terminals", "violations", "access-log"}) {
        const auto v = boost::json::parse(ctl({"LANG=ja_JP.UTF-8"}, {listing, "--format", "json"}));
        EXPECT_EQ(v.at("version").as_int64(), 1) << listing;
        EXPECT_EQ(v.at("time_zone").as_string(), "Asia/Tokyo") << listing;
        EXPECT_TRUE(v.at("rows").is_array()) << listing;
    }
    const auto terminals = collector->admin("/admin/v1/terminals");
    const auto& t = terminals.at("rows").at(0);
    EXPECT_TRUE(t.at("tampering_since").is_null()) << t;
    EXPECT_EQ(t.at("tampering_since_unix").as_int64(), 0) << t;
    EXPECT_EQ(std::string(t.at("last_seen").as_string()).substr(0, 10), today) << t;
    const auto v = collector->admin("/admin/v1/violations?date=" + today);
    EXPECT_EQ(v.at("version").as_int64(), 1);
    EXPECT_EQ(v.at("rows").at(0).at("status").as_string(), "violation") << v;
}

TEST_P(MamorictlOutput, HeadingsFollowTheLocaleAndLangWins) {
    const std::string csv = ctl({"LANG=ja_JP.UTF-8"}, {"violations", "--format", "csv"});
    EXPECT_EQ(csv.rfind("\xEF\xBB\xBF所属,端末,制御,状態,違反件数,例外件数,最終受信（Asia/Tokyo）,時刻のずれ(ms),理由\r\n", 0), 0u)
        << csv;
    EXPECT_NE(csv.find(",usb,違反,2,"), std::string::npos) << csv;
    const std::string table = ctl({"LC_MESSAGES=ja_JP.UTF-8"}, {"terminals"});
    EXPECT_NE(table.find("端末"), std::string::npos) << table;
    EXPECT_NE(table.find("報告中"), std::string::npos) << "presence: reporting\n" << table;
    // LC_ALL comes first, as for every program; --lang comes before the locale.
    EXPECT_EQ(ctl({"LC_ALL=C", "LANG=ja_JP.UTF-8"}, {"violations", "--format", "csv"})
                  .rfind("\xEF\xBB\xBFsection,terminal,control,status", 0),
              0u);
    EXPECT_EQ(ctl({"LANG=ja_JP.UTF-8"}, {"--lang", "en", "violations", "--format", "csv"})
                  .rfind("\xEF\xBB\xBFsection,terminal,control,status", 0),
              0u);
    EXPECT_EQ(ctl({"LANG=C"}, {"violations", "--format", "csv", "--lang", "ja"}).rfind("\xEF\xBB\xBF所属,端末", 0), 0u);
    const std::string empty = ctl({"LANG=ja_JP.UTF-8"}, {"events", "--terminal", "term-a", "--since", "2099-01-01"});
    EXPECT_NE(empty.find("イベントはありません"), std::string::npos) << empty;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, MamorictlOutput, ::testing::Values(std::string("sqlite")), CollectorOnEachStore::name);

}  // namespace
