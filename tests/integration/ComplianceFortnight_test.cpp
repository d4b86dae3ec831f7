// Two weeks of a small office, day by day, through the collector's own ingest (signed chains,
// authentication, filing) into each store, with the clock injected: every day's 「今日の違反」
// and the month's review are asserted row by row. Terminals that violate once, violate and stay
// so, get fixed, are switched off cleanly every evening and weekend, crash, go silent during
// office hours, run a wrong clock, and switch a control off in their own configuration.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "collector/DailyCompliance.h"
#include "collector/EventIngest.h"
#include "collector/LocalCalendar.h"
#include "collector/MonthlyReport.h"
#include "mamori/proto/Ed25519Key.h"
#include "mamori/proto/EventChain.h"
#include "mamori/v1/policy.pb.h"
#include "tests/support/StoreBackends.h"
#include "tests/support/StoreSamples.h"

using namespace mamori::collector;
namespace v1 = mamori::v1;

namespace {

constexpr const char* kSection = "市民課";

// One terminal's agent: its key and chain, and whether it is running.
struct Agent {
    std::string id;
    mamori::proto::Ed25519Key key = mamori::proto::Ed25519Key::generate();
    mamori::proto::EventChain chain{key, {}};
};

template <class Backend>
struct ComplianceFortnight : mamori::test::StoreFixture<Backend> {
    LocalCalendar tokyo{"Asia/Tokyo"};
    std::unique_ptr<Store> store;
    std::unique_ptr<EventIngest> ingest;
    std::map<std::string, Agent> agents;
    std::set<std::string> wrong_clocks;  // terminals whose clock the collector finds an hour off

    int64_t at(const std::string& date, int hour, int minute = 0) {
        return tokyo.startOfDateUnix(date) + hour * 3600 + minute * 60;
    }

    void SetUp() override {
        mamori::test::StoreFixture<Backend>::SetUp();
        if (this->IsSkipped() || this->HasFatalFailure()) return;
        store = this->open();
        ingest = std::make_unique<EventIngest>(*store, tokyo);
        // The section's profile: 開庁時間 8:30-17:45 on weekdays, holidays closed, a heartbeat
        // of an hour. The "all" profile (a server room) has no hours: on every day, all day.
        v1::Policy office = mamori::test::officeHoursPolicy();
        office.mutable_reporting()->set_heartbeat_minutes(60);
        store->addPolicy(PolicyRecord{0, kSection, "office", office.SerializeAsString(), 0, "admin"});
        v1::Policy always;
        always.set_name("always");
        always.mutable_reporting()->set_heartbeat_minutes(60);
        store->addPolicy(PolicyRecord{0, "all", "always", always.SerializeAsString(), 0, "admin"});

        for (const char* id : {"once", "stays", "fixed", "crash", "silent", "clock", "local", "plain"})
            enroll(id, kSection);
        enroll("server", "サーバ室");
    }

    void enroll(const std::string& id, const std::string& group) {
        TerminalRecord t;
        t.id = id;
        t.hostname = id;
        t.group = group;
        agents[id].id = id;
        t.public_key = agents[id].key.publicRaw();
        t.enrolled_unix = at("2026-11-29", 12);
        store->addTerminal(t);
    }

    // One event, sent at once: the agent's clock is right, so it is filed by its own time.
    void say(const std::string& id, int64_t when, v1::EventType type, v1::Control control = v1::AGENT,
             bool violation = false, const std::function<void(v1::EventBody&)>& details = {}) {
        Agent& a = agents.at(id);
        v1::EventBody b;
        b.set_terminal_id(id);
        b.set_type(type);
        b.set_control(control);
        b.set_violation(violation);
        b.set_utc_ns(when * 1'000'000'000);
        if (details) details(b);
        v1::EventBatch batch;
        batch.set_terminal_id(id);
        *batch.add_events() = a.chain.append(b);
        const auto r = ingest->ingest(*store->terminal(id), batch, when);
        ASSERT_EQ(r.http_status, 200u) << r.error;
        ASSERT_TRUE(r.ack.refused().empty());
        sync(id, when);
    }
    // The sync after each upload, with the clock as the collector measures it.
    void sync(const std::string& id, int64_t when) {
        const bool clock_wrong = wrong_clocks.contains(id);
        store->recordSync(id, TerminalStore::Sync{when, 1, clock_wrong ? 3'600'000 : 0, clock_wrong,
                                                  tokyo.dateOfUnix(when), clock_wrong ? "clock off by 3600 s" : ""});
    }

    // A business day of a terminal that starts at 8:45, says something every hour and shuts
    // down cleanly at 17:30, unless told to stop earlier (a crash or a network cut).
    void officeDay(const std::string& id, const std::string& date, int last_hour = 17, bool clean_stop = true) {
        say(id, at(date, 8, 45), v1::AGENT_STARTED);
        for (int h = 9; h <= std::min(last_hour, 17); ++h) say(id, at(date, h), v1::HEARTBEAT);
        if (clean_stop && last_hour >= 17) say(id, at(date, 17, 30), v1::AGENT_STOPPING);
    }
};

TYPED_TEST_SUITE(ComplianceFortnight, mamori::test::StoreBackends, mamori::test::StoreBackendNames);

// "terminal control status [since]", the way the view reads, in its order.
std::vector<std::string> lines(const std::vector<DailyCompliance::Row>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows)
        out.push_back(r.terminal + " " + r.control + " " + r.status + (r.since.empty() ? "" : " " + r.since));
    return out;
}

}  // namespace

TYPED_TEST(ComplianceFortnight, EveryDaysViewAndTheMonthsReviewTellTheTruth) {
    const std::vector<std::string> days = {"2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04",
                                           "2026-12-05", "2026-12-06", "2026-12-07", "2026-12-08", "2026-12-09",
                                           "2026-12-10", "2026-12-11", "2026-12-12", "2026-12-13"};
    const std::set<std::string> weekend = {"2026-12-05", "2026-12-06", "2026-12-12", "2026-12-13"};
    // What each day's view must say at 16:00 that day, row by row.
    const std::map<std::string, std::vector<std::string>> expected = {
        {"2026-11-30", {"fixed screen_lock violation 2026-11-30"}},
        {"2026-12-01",
         {"fixed screen_lock standing 2026-11-30", "local software violation 2026-12-01", "once usb violation"}},
        {"2026-12-02",
         {"fixed screen_lock standing 2026-11-30", "local software standing 2026-12-01",
          "stays software violation 2026-12-02"}},
        // Fixed this morning: it was still in violation part of the day.
        {"2026-12-03",
         {"fixed screen_lock standing 2026-11-30", "local software standing 2026-12-01",
          "stays software standing 2026-12-02"}},
        {"2026-12-04",
         {"clock clock violation 2026-12-04", "local software standing 2026-12-01",
          "stays software standing 2026-12-02"}},
        // The weekend: switched off cleanly on Friday evening, so "off", not missing; what stands,
        // stands.
        {"2026-12-05",
         {"clock clock standing 2026-12-04", "clock reporting off 2026-12-04", "crash reporting off 2026-12-04",
          "fixed reporting off 2026-12-04", "local reporting off 2026-12-04", "local software standing 2026-12-01",
          "once reporting off 2026-12-04", "plain reporting off 2026-12-04", "silent reporting off 2026-12-04",
          "stays reporting off 2026-12-04", "stays software standing 2026-12-02"}},
        {"2026-12-06",
         {"clock clock standing 2026-12-04", "clock reporting off 2026-12-04", "crash reporting off 2026-12-04",
          "fixed reporting off 2026-12-04", "local reporting off 2026-12-04", "local software standing 2026-12-01",
          "once reporting off 2026-12-04", "plain reporting off 2026-12-04", "silent reporting off 2026-12-04",
          "stays reporting off 2026-12-04", "stays software standing 2026-12-02"}},
        // Silent since 10:00 in office hours: missing.
        {"2026-12-07",
         {"clock clock standing 2026-12-04", "local software standing 2026-12-01",
          "silent reporting not reporting 2026-12-07", "stays software standing 2026-12-02"}},
        {"2026-12-08",
         {"clock clock standing 2026-12-04", "local software standing 2026-12-01",
          "stays software standing 2026-12-02"}},
        // Crashed at 11:00 without a word.
        {"2026-12-09",
         {"crash reporting not reporting 2026-12-09", "local software standing 2026-12-01",
          "stays software standing 2026-12-02"}},
        {"2026-12-10",
         {"crash reporting not reporting 2026-12-09", "local software standing 2026-12-01",
          "stays software standing 2026-12-02"}},
        {"2026-12-11", {"stays software standing 2026-12-02"}},
        {"2026-12-12",
         {"clock reporting off 2026-12-11", "crash reporting off 2026-12-11", "fixed reporting off 2026-12-11",
          "local reporting off 2026-12-11", "once reporting off 2026-12-11", "plain reporting off 2026-12-11",
          "silent reporting off 2026-12-11", "stays reporting off 2026-12-11", "stays software standing 2026-12-02"}},
        {"2026-12-13",
         {"clock reporting off 2026-12-11", "crash reporting off 2026-12-11", "fixed reporting off 2026-12-11",
          "local reporting off 2026-12-11", "once reporting off 2026-12-11", "plain reporting off 2026-12-11",
          "silent reporting off 2026-12-11", "stays reporting off 2026-12-11", "stays software standing 2026-12-02"}},
    };

    DailyCompliance view(*this->store, this->tokyo, 2 * 3600);
    for (const auto& day : days) {
        SCOPED_TRACE(day);
        // The server room runs all day, every day.
        for (int h = 0; h < 24; ++h) this->say("server", this->at(day, h, 30), v1::HEARTBEAT);
        // The clock is an hour off from 12-04 until 12-08.
        if (day == "2026-12-04") this->wrong_clocks.insert("clock");
        if (day == "2026-12-08") this->wrong_clocks.erase("clock");
        if (!weekend.contains(day)) {
            for (const char* id : {"once", "stays", "fixed", "clock", "local", "plain"}) this->officeDay(id, day);
            // Crashes on 12-09 at 11:00; back on 12-11 (after the view of 12-10).
            if (day == "2026-12-09") this->officeDay("crash", day, 11, false);
            else if (day != "2026-12-10") this->officeDay("crash", day);
            // The network goes on 12-07 after 10:00; back the next day.
            this->officeDay("silent", day, day == "2026-12-07" ? 10 : 17, day != "2026-12-07");
        }
        if (day == "2026-11-30")
            this->say("fixed", this->at(day, 9, 10), v1::SCREEN_LOCK_SETTING_WEAK, v1::SCREEN_LOCK, true,
                      [](v1::EventBody& b) { b.mutable_screen()->set_setting("gnome idle-delay 900 s (user sato)"); });
        if (day == "2026-12-01") {
            this->say("once", this->at(day, 10), v1::USB_BLOCKED, v1::USB, true);
            this->say("local", this->at(day, 8, 46), v1::CONTROL_DISABLED_LOCALLY, v1::SOFTWARE, true,
                      [](v1::EventBody& b) { b.mutable_agent()->set_reason("software_control = off"); });
        }
        if (day == "2026-12-02")
            this->say("stays", this->at(day, 11), v1::SOFTWARE_UNAPPROVED_INSTALLED, v1::SOFTWARE, true,
                      [](v1::EventBody& b) { b.mutable_software()->set_package("p2p-share"); });
        if (day == "2026-12-03")
            this->say("fixed", this->at(day, 9, 5), v1::SCREEN_LOCK_SETTING_OK, v1::SCREEN_LOCK, false,
                      [](v1::EventBody& b) { b.mutable_screen()->set_setting("gnome idle-delay 300 s (user sato)"); });
        if (day == "2026-12-10")
            this->say("local", this->at(day, 17, 20), v1::CONTROL_RESTORED_LOCALLY, v1::SOFTWARE);

        EXPECT_EQ(lines(view.violations(day, this->at(day, 16), "", "")), expected.at(day));
        // The evening after the crash: the others are off, the crashed one is silent but out of
        // hours, so nobody is missing.
        if (day == "2026-12-09")
            EXPECT_EQ(lines(view.violations(day, this->at(day, 20), "", "reporting")),
                      (std::vector<std::string>{"clock reporting off 2026-12-09", "crash reporting off-hours 2026-12-09",
                                                "fixed reporting off 2026-12-09", "local reporting off 2026-12-09",
                                                "once reporting off 2026-12-09", "plain reporting off 2026-12-09",
                                                "silent reporting off 2026-12-09", "stays reporting off 2026-12-09"}));
        // The next morning it is found missing only once its office has been open for a heartbeat.
        if (day == "2026-12-10") {
            EXPECT_EQ(lines(view.violations(day, this->at(day, 9, 20), "", "reporting")),
                      std::vector<std::string>{"crash reporting off-hours 2026-12-09"});
            EXPECT_EQ(lines(view.violations(day, this->at(day, 9, 40), "", "reporting")),
                      std::vector<std::string>{"crash reporting not reporting 2026-12-09"});
        }
    }

    // The month's review, the morning after the fortnight.
    const auto month = MonthlyReport(*this->store, this->tokyo).build("2026-12", this->at("2026-12-14", 10));
    ASSERT_EQ(month.sections.size(), 2u);
    const auto& office = month.sections[1].name == kSection ? month.sections[1] : month.sections[0];
    const auto& servers = month.sections[1].name == kSection ? month.sections[0] : month.sections[1];
    EXPECT_EQ(month.judged_through, "2026-12-13");
    // Terminal-days in violation: once 1 (usb); stays 12-02..14 = 13 (software, still installed
    // this morning); local 12-01..10 = 10 (software); fixed 12-01..03 = 3 (screen lock); clock
    // 12-04..08 = 5.
    EXPECT_EQ(office.violating_days, (std::map<std::string, uint32_t>{
                                         {"clock", 5}, {"screen_lock", 3}, {"software", 23}, {"usb", 1}}));
    EXPECT_EQ(office.violations.at("usb"), 1u);
    ASSERT_GE(office.top_terminals.size(), 3u);
    EXPECT_EQ(office.top_terminals[0].terminal, "stays");
    EXPECT_EQ(office.top_terminals[0].days, 13u);
    EXPECT_EQ(office.top_terminals[1].terminal, "local");
    EXPECT_EQ(office.top_terminals[1].days, 10u);
    // Business days only: 12-01..04 and 12-07..11 are nine; the crash terminal missed 12-10.
    ASSERT_EQ(office.not_reporting.size(), 1u);
    EXPECT_EQ(office.not_reporting[0].terminal, "crash");
    EXPECT_EQ(office.not_reporting[0].days, 1u);
    EXPECT_EQ(office.not_reporting[0].of_days, 9u);
    EXPECT_TRUE(servers.not_reporting.empty());
    EXPECT_TRUE(servers.violating_days.empty());

    // November: the weak lock setting on its last day.
    const auto november = MonthlyReport(*this->store, this->tokyo).build("2026-11", this->at("2026-12-14", 10));
    for (const auto& s : november.sections)
        if (s.name == kSection) EXPECT_EQ(s.violating_days, (std::map<std::string, uint32_t>{{"screen_lock", 1}}));
}
