#include "collector/DailyCompliance.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "collector/LocalCalendar.h"
#include "collector/ReportingExpectation.h"
#include "collector/Store.h"

using namespace mamori::collector;

namespace {

struct DailyComplianceTest : ::testing::Test {
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("mamori-dc-" + std::to_string(getpid()));
    std::unique_ptr<Store> store;
    LocalCalendar tokyo{"Asia/Tokyo"};
    // 2026-11-24 10:00 JST
    int64_t now = 1795482000;

    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        store = openStore("sqlite:" + (dir / "store.db").string());
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    void terminal(const std::string& id, const std::string& group, int64_t last_seen) {
        TerminalRecord t;
        t.id = id;
        t.group = group;
        t.public_key = std::string(32, 'k');
        t.enrolled_unix = now - 86400;
        store->addTerminal(t);
        if (last_seen) store->recordSync(id, last_seen, 1, 0);
    }

    void violation(const std::string& id, uint64_t seq, mamori::v1::Control control, int64_t at_unix) {
        IngestBatch b;
        b.terminal_id = id;
        b.now_unix = now;
        IngestEvent e;
        e.seq = seq;
        e.utc_ns = at_unix * 1'000'000'000;
        e.local_date = tokyo.dateOfUnix(at_unix);
        e.control = control;
        e.violation = true;
        e.type = mamori::v1::USB_BLOCKED;
        e.body = "b";
        e.prev_hash = std::string(32, '\0');
        e.hash = std::string(32, static_cast<char>(seq));
        b.events.push_back(e);
        b.new_head_seq = seq;
        b.new_head_hash = e.hash;
        store->ingest(b);
    }
};

}  // namespace

TEST_F(DailyComplianceTest, TodayIsTheMunicipalitysDateNotUtc) {
    // 2026-11-23 23:30 UTC is already 11-24 08:30 in Tokyo.
    EXPECT_EQ(tokyo.dateOfUnix(1795476600), "2026-11-24");
    EXPECT_EQ(LocalCalendar("UTC").dateOfUnix(1795476600), "2026-11-23");
    EXPECT_THROW(LocalCalendar("Mars/Olympus"), std::runtime_error);
}

TEST_F(DailyComplianceTest, ListsViolationsAndSilentTerminalsOfToday) {
    terminal("a", "市民課", now - 60);
    terminal("b", "税務課", now - 60);
    terminal("silent", "税務課", now - 3 * 3600);
    violation("a", 1, mamori::v1::USB, now - 100);
    violation("a", 2, mamori::v1::USB, now - 50);

    DailyCompliance dc(*store, tokyo, 2 * 3600);
    auto rows = dc.violations("2026-11-24", now, "", "");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].terminal, "a");  // sorted by section: 市民課 before 税務課
    EXPECT_EQ(rows[0].control, "usb");
    EXPECT_EQ(rows[0].violations, 2u);
    EXPECT_EQ(rows[1].terminal, "silent");
    EXPECT_EQ(rows[1].status, "not reporting");

    EXPECT_EQ(dc.violations("2026-11-24", now, "市民課", "").size(), 1u);
    EXPECT_EQ(dc.violations("2026-11-24", now, "", "reporting").size(), 1u);
    // An officer of 市民課 sees only 市民課.
    EXPECT_EQ(dc.violations("2026-11-24", now, "", "", {"市民課"}).size(), 1u);
    // Silence is judged for today only.
    EXPECT_TRUE(dc.violations("2026-11-23", now, "", "").empty());
}

TEST_F(DailyComplianceTest, ADecommissionedTerminalIsNeitherMissingNorViolatingAnyMore) {
    terminal("silent", "税務課", now - 3 * 3600);
    terminal("gone", "税務課", now - 3 * 3600);
    // A standing condition of the terminal that leaves: a clock judged wrong yesterday.
    store->recordSync("gone", TerminalStore::Sync{now - 86400, 1, -86'400'000, true, "2026-11-23", "a day behind"});
    DailyCompliance dc(*store, tokyo, 2 * 3600);
    ASSERT_EQ(dc.violations("2026-11-24", now, "", "reporting").size(), 2u);
    ASSERT_EQ(dc.violations("2026-11-24", now, "", "clock").size(), 1u);

    store->decommissionTerminal("gone", {now - 60, "2026-11-24", "admin", "replaced", ""});
    const auto rows = dc.violations("2026-11-24", now, "", "reporting");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].terminal, "silent");
    EXPECT_TRUE(dc.violations("2026-11-25", now + 86400, "", "clock").empty()) << "its conditions closed with it";
    EXPECT_EQ(dc.violations("2026-11-23", now, "", "clock").size(), 1u) << "what it did before it left stays";
    EXPECT_EQ(ReportingExpectation::name(ReportingExpectation(*store, 7200).presence(*store->terminal("gone"), now)),
              std::string("decommissioned"));
}
