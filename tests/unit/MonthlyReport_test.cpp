// The monthly review from the daily compliance table of both stores: violations by control,
// the top terminals, and days not reporting, judged only on whole days after enrollment.
#include <gtest/gtest.h>

#include "collector/MonthlyReport.h"

#include <date/date.h>

#include "mamori/v1/policy.pb.h"
#include "mamori/common/UserError.h"
#include "tests/support/StoreBackends.h"
#include "tests/support/StoreSamples.h"

using namespace mamori::collector;
using mamori::test::event;
using mamori::test::terminal;
namespace v1 = mamori::v1;

namespace {

template <class Backend>
struct MonthlyReportTest : mamori::test::StoreFixture<Backend> {
    LocalCalendar calendar{"Asia/Tokyo"};
    std::unique_ptr<Store> store;
    std::map<std::string, uint64_t> next_seq;

    void SetUp() override {
        mamori::test::StoreFixture<Backend>::SetUp();
        if (this->IsSkipped() || this->HasFatalFailure()) return;
        store = this->open();
    }

    int64_t at(const std::string& date, int hour) { return calendar.startOfDateUnix(date) + hour * 3600; }

    void enroll(const std::string& id, const std::string& group, const std::string& date) {
        store->addTerminal(terminal(id, group, at(date, 10)));
    }

    // One day's compliance rows for a terminal: a heartbeat, then the violations and exemptions.
    void day(const std::string& id, const std::string& date, v1::Control control = v1::AGENT, int violations = 0,
             int exempted = 0) {
        IngestBatch b;
        b.terminal_id = id;
        uint64_t& seq = next_seq[id];
        b.events.push_back(event(++seq, date, v1::AGENT));
        for (int i = 0; i < violations; ++i) b.events.push_back(event(++seq, date, control, true, v1::ENFORCED));
        for (int i = 0; i < exempted; ++i) b.events.push_back(event(++seq, date, control, false, v1::EXEMPTED));
        b.new_head_seq = seq;
        b.new_head_hash = b.events.back().hash;
        b.now_unix = at(date, 12);
        store->ingest(b);
    }

    MonthlyReport::Result report(const std::string& section = "", const std::vector<std::string>& visible = {}) {
        return MonthlyReport(*store, calendar).build("2026-11", at("2026-11-20", 12), section, visible);
    }
};
TYPED_TEST_SUITE(MonthlyReportTest, mamori::test::StoreBackends, mamori::test::StoreBackendNames);

std::string dateIn(int day, int month = 11) {
    char buf[16];
    snprintf(buf, sizeof buf, "2026-%02d-%02d", month, day);
    return buf;
}

TYPED_TEST(MonthlyReportTest, ViolationsByControlTopTerminalsAndDaysNotReporting) {
    this->enroll("a", "税務課", "2026-10-15");
    this->enroll("b", "税務課", "2026-11-10");
    this->enroll("c", "住民課", "2026-10-01");
    this->enroll("d", "住民課", "2026-11-25");  // after today: nothing to judge yet
    this->day("a", "2026-10-31", v1::USB, 9);   // another month
    for (int d = 1; d <= 20; ++d) {
        if (d == 5 || d == 6) continue;         // a was silent two days
        if (d == 2) this->day("a", dateIn(d), v1::USB, 3);
        else if (d == 3) this->day("a", dateIn(d), v1::SOFTWARE, 1);
        else this->day("a", dateIn(d));
    }
    for (int d = 11; d <= 19; ++d) this->day("b", dateIn(d), v1::USB, d == 12 ? 5 : 0);
    this->day("c", "2026-11-01", v1::USB, 0, 2);
    this->day("a", "2026-12-01", v1::HOURS, 4);  // another month

    const auto r = this->report();
    EXPECT_EQ(r.first_date, "2026-11-01");
    EXPECT_EQ(r.last_date, "2026-11-30");
    EXPECT_EQ(r.judged_through, "2026-11-19") << "today, the 20th, is not over";
    ASSERT_EQ(r.sections.size(), 2u);

    const auto& jumin = r.sections[0];
    EXPECT_EQ(jumin.name, "住民課");
    EXPECT_EQ(jumin.terminals, 2u);
    EXPECT_TRUE(jumin.violations.empty());
    EXPECT_EQ(jumin.exempted.at("usb"), 2u);
    EXPECT_TRUE(jumin.top_terminals.empty());
    ASSERT_EQ(jumin.not_reporting.size(), 1u) << "d enrolled after today";
    EXPECT_EQ(jumin.not_reporting[0].terminal, "c");
    EXPECT_EQ(jumin.not_reporting[0].days, 18u);
    EXPECT_EQ(jumin.not_reporting[0].of_days, 19u);

    const auto& zeimu = r.sections[1];
    EXPECT_EQ(zeimu.name, "税務課");
    EXPECT_EQ(zeimu.terminals, 2u);
    EXPECT_EQ(zeimu.violations.at("usb"), 8u);
    EXPECT_EQ(zeimu.violations.at("software"), 1u);
    EXPECT_FALSE(zeimu.violations.contains("hours")) << "December is not November";
    EXPECT_EQ(zeimu.violating_days, (std::map<std::string, uint32_t>{{"software", 1}, {"usb", 2}}));
    // Most days in violation first: a on two days, b on one (with more events).
    ASSERT_EQ(zeimu.top_terminals.size(), 2u);
    EXPECT_EQ(zeimu.top_terminals[0].terminal, "a");
    EXPECT_EQ(zeimu.top_terminals[0].days, 2u);
    EXPECT_EQ(zeimu.top_terminals[0].violations, 4u);
    EXPECT_EQ(zeimu.top_terminals[1].terminal, "b");
    EXPECT_EQ(zeimu.top_terminals[1].days, 1u);
    EXPECT_EQ(zeimu.top_terminals[1].violations, 5u);
    ASSERT_EQ(zeimu.not_reporting.size(), 1u) << "b reported every day after the day it enrolled";
    EXPECT_EQ(zeimu.not_reporting[0].terminal, "a");
    EXPECT_EQ(zeimu.not_reporting[0].days, 2u);
    EXPECT_EQ(zeimu.not_reporting[0].of_days, 19u);

    const auto json = MonthlyReport::toJson(r, "Asia/Tokyo");
    EXPECT_EQ(json.at("sections").as_array().at(1).at("violations").at("usb").as_uint64(), 8u);
}

TYPED_TEST(MonthlyReportTest, OnlyBusinessDaysOfTheSectionsCalendarCountAsNotReporting) {
    const v1::Policy office = mamori::test::officeHoursPolicy();
    this->store->addPolicy(PolicyRecord{0, "税務課", "office", office.SerializeAsString(), 0, "admin"});
    this->enroll("a", "税務課", "2026-10-15");
    this->enroll("c", "住民課", "2026-10-15");  // no profile: expected every day
    // a works weekdays only, and misses Thursday 11-05 and Friday 11-06.
    for (int d = 1; d <= 19; ++d) {
        const auto weekday = date::weekday(date::sys_days(date::year(2026) / 11 / d)).c_encoding();
        if (weekday == 0 || weekday == 6 || d == 3 || d == 5 || d == 6) continue;
        this->day("a", dateIn(d));
    }
    const auto r = this->report();
    ASSERT_EQ(r.sections.size(), 2u);
    const auto& zeimu = r.sections[1];
    ASSERT_EQ(zeimu.not_reporting.size(), 1u);
    // 11-02..11-19 without weekends and 文化の日 (11-03): 13 business days, two missed.
    EXPECT_EQ(zeimu.not_reporting[0].days, 2u);
    EXPECT_EQ(zeimu.not_reporting[0].of_days, 13u);
    ASSERT_EQ(r.sections[0].not_reporting.size(), 1u);
    EXPECT_EQ(r.sections[0].not_reporting[0].of_days, 19u);
}

TYPED_TEST(MonthlyReportTest, SectionsAndOfficersSeeOnlyTheirOwn) {
    this->enroll("a", "税務課", "2026-10-15");
    this->enroll("c", "住民課", "2026-10-15");
    this->day("a", "2026-11-02", v1::USB, 1);
    this->day("c", "2026-11-02", v1::USB, 1);
    auto r = this->report("住民課");
    ASSERT_EQ(r.sections.size(), 1u);
    EXPECT_EQ(r.sections[0].name, "住民課");
    r = this->report("", {"税務課"});
    ASSERT_EQ(r.sections.size(), 1u);
    EXPECT_EQ(r.sections[0].name, "税務課");
    EXPECT_TRUE(this->report("住民課", {"税務課"}).sections.empty());
}

TYPED_TEST(MonthlyReportTest, AFutureMonthJudgesNoDayAndAMalformedMonthIsRefused) {
    this->enroll("a", "税務課", "2026-10-15");
    const auto r = MonthlyReport(*this->store, this->calendar).build("2026-12", this->at("2026-11-20", 12));
    EXPECT_TRUE(r.judged_through.empty());
    ASSERT_EQ(r.sections.size(), 1u);
    EXPECT_TRUE(r.sections[0].not_reporting.empty());
    for (const char* bad : {"2026-13", "November", "2026-1", ""})
        EXPECT_THROW(MonthlyReport(*this->store, this->calendar).build(bad, 0), mamori::common::UserError) << bad;
}

}  // namespace

TYPED_TEST(MonthlyReportTest, ADecommissionedTerminalIsExpectedOnlyOnTheDaysBeforeItLeft) {
    this->enroll("a", "住民課", "2026-10-15");
    this->enroll("b", "住民課", "2026-10-15");
    this->enroll("old", "住民課", "2026-09-01");
    this->store->decommissionTerminal("a", {this->at("2026-11-11", 9), "2026-11-11", "admin", "replaced", ""});
    this->store->decommissionTerminal("old", {this->at("2026-10-20", 9), "2026-10-20", "admin", "scrapped", ""});
    for (int d = 1; d <= 8; ++d) this->day("a", dateIn(d));  // silent on the 9th and 10th, then gone
    const auto r = this->report();
    ASSERT_EQ(r.sections.size(), 1u);
    const auto& jumin = r.sections[0];
    EXPECT_EQ(jumin.terminals, 2u) << "the one gone before November was not in service in it";
    ASSERT_EQ(jumin.not_reporting.size(), 2u);
    EXPECT_EQ(jumin.not_reporting[0].terminal, "b");
    EXPECT_EQ(jumin.not_reporting[0].days, 19u);
    EXPECT_EQ(jumin.not_reporting[1].terminal, "a");
    EXPECT_EQ(jumin.not_reporting[1].days, 2u) << "the 9th and 10th; from the 11th it is out of service";
    EXPECT_EQ(jumin.not_reporting[1].of_days, 10u);
}
