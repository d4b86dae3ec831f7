// Retention counted from the end of the Japanese fiscal year, against both stores: what goes,
// what stays, and that ingest carries on after a purge.
#include <gtest/gtest.h>

#include <limits>

#include "collector/RetentionPurge.h"
#include "tests/support/StoreBackends.h"
#include "tests/support/StoreSamples.h"

using namespace mamori::collector;
using mamori::test::event;
using mamori::test::kNow;
using mamori::test::terminal;
namespace v1 = mamori::v1;

namespace {

template <class Backend>
struct RetentionPurgeTest : mamori::test::StoreFixture<Backend> {
    LocalCalendar calendar{"Asia/Tokyo"};
};
TYPED_TEST_SUITE(RetentionPurgeTest, mamori::test::StoreBackends, mamori::test::StoreBackendNames);

date::year_month_day ymd(int y, unsigned m, unsigned d) { return date::year{y} / date::month{m} / date::day{d}; }

// Three events on each date, seqs following on from `first`; a violation each, so every date has
// a compliance row.
IngestBatch datedBatch(const std::string& id, uint64_t first, const std::vector<std::string>& dates) {
    IngestBatch b;
    b.terminal_id = id;
    uint64_t seq = first;
    static const LocalCalendar tokyo("Asia/Tokyo");
    for (const auto& d : dates)
        for (int i = 0; i < 3; ++i) {
            b.events.push_back(event(seq++, d, v1::USB, true, v1::ENFORCED));
            b.events.back().arrival_unix = tokyo.startOfDateUnix(d) + 12 * 3600;  // arrived on its own date
        }
    b.new_head_seq = seq - 1;
    b.new_head_hash = b.events.back().hash;
    b.now_unix = kNow;
    return b;
}

std::vector<uint64_t> seqs(Store& store, const std::string& id) {
    std::vector<uint64_t> out;
    for (const auto& e : store.events(id, 0, 0, 1000)) out.push_back(e.seq);
    return out;
}

TYPED_TEST(RetentionPurgeTest, EventsGoOneYearAfterTheEndOfTheirFiscalYearAndIngestCarriesOn) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    //                               FY2024        FY2025 first  FY2025 last   FY2026 first
    store->ingest(datedBatch("t1", 1, {"2025-03-31", "2025-04-01", "2026-03-31", "2026-04-01"}));
    IngestBatch gap = datedBatch("t1", 13, {"2026-05-01"});
    gap.issues = {EvidenceIssue{"gap", 100, 101, "lost", "2025-03-31", kNow}};
    store->ingest(gap);
    const auto head = store->terminal("t1");
    RetentionPurge purge(*store, this->calendar, {});

    // On the last day of FY2026 the events of FY2024 have been kept a whole year after it.
    auto r = purge.run(ymd(2027, 3, 31));
    EXPECT_EQ(r.events_kept_from, "2025-04-01");
    EXPECT_EQ(r.events.events, 3u);
    EXPECT_EQ(r.events.first_date, "2025-03-31");
    EXPECT_EQ(r.events.last_date, "2025-03-31");
    EXPECT_EQ(r.events.compliance_rows, 2u) << "the USB row and the EVIDENCE row of 2025-03-31";
    EXPECT_EQ(r.events.evidence_issues, 1u);
    EXPECT_EQ(seqs(*store, "t1").front(), 4u);

    // The next day FY2025 has ended a year ago: all of it goes, FY2026 stays.
    r = purge.run(ymd(2027, 4, 1));
    EXPECT_EQ(r.events_kept_from, "2026-04-01");
    EXPECT_EQ(r.events.events, 6u);
    EXPECT_EQ(r.events.first_date, "2025-04-01");
    EXPECT_EQ(r.events.last_date, "2026-03-31");
    EXPECT_EQ(seqs(*store, "t1"), (std::vector<uint64_t>{10, 11, 12, 13, 14, 15}));
    EXPECT_TRUE(store->compliance("2026-03-31", true).empty());
    EXPECT_EQ(store->compliance("2026-04-01", true).size(), 1u);
    EXPECT_TRUE(store->evidenceIssues("t1").empty());
    const std::string line = purge.describe(r);
    EXPECT_NE(line.find("removed 6 events dated 2025-04-01 to 2026-03-31"), std::string::npos) << line;

    // Nothing more to do the same day; the head stays, and the next batch follows on from it.
    r = purge.run(ymd(2027, 4, 1));
    EXPECT_EQ(r.events.events, 0u);
    EXPECT_NE(purge.describe(r).find("no events to remove"), std::string::npos);
    const auto after = store->terminal("t1");
    EXPECT_EQ(after->head_seq, head->head_seq);
    EXPECT_EQ(after->head_hash, head->head_hash);
    const IngestResult next = store->ingest(datedBatch("t1", 16, {"2027-04-02"}));
    EXPECT_EQ(next.stored, 3u);
    EXPECT_EQ(next.duplicates, 0u);
    EXPECT_EQ(next.head_seq, 18u);
}

TYPED_TEST(RetentionPurgeTest, RetentionCountsFromArrivalNeverFromTheTerminalsClaim) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    // A terminal whose clock said 2001 when it reported in FY2026: filed and kept by its arrival.
    IngestBatch b = datedBatch("t1", 1, {"2026-06-01"});
    for (auto& e : b.events) {
        e.utc_ns = int64_t{978'307'200} * 1'000'000'000;
        e.filed_by_arrival = true;
    }
    store->ingest(b);
    RetentionPurge purge(*store, this->calendar, {});
    EXPECT_EQ(purge.run(ymd(2027, 4, 1)).events.events, 0u);
    EXPECT_EQ(seqs(*store, "t1").size(), 3u);
    const auto kept = store->events("t1", 0, 0, 10);
    EXPECT_TRUE(kept.front().filed_by_arrival);
    EXPECT_EQ(kept.front().local_date, "2026-06-01");
    // A year after FY2026 ends, they go like any other event of it.
    EXPECT_EQ(purge.run(ymd(2028, 4, 1)).events.events, 3u);
}

TYPED_TEST(RetentionPurgeTest, EachTerminalLosesOnlyItsOldRunAndNothingYoungerEvenOutOfOrder) {
    auto store = this->open();
    for (const char* id : {"old", "mixed", "young", "silent", "stepped"}) store->addTerminal(terminal(id));
    store->ingest(datedBatch("old", 1, {"2025-01-10", "2025-02-10"}));
    store->ingest(datedBatch("mixed", 1, {"2025-01-10", "2026-05-10", "2026-06-10"}));
    store->ingest(datedBatch("young", 1, {"2026-05-10"}));
    // "stepped": the collector's clock was set back before it took seq 7-9, which are marked as
    // arriving before seq 4-6. An event out of order may stay a little longer; none goes early.
    store->ingest(datedBatch("stepped", 1, {"2025-01-10", "2026-05-10", "2025-02-10"}));
    RetentionPurge purge(*store, this->calendar, {});

    const auto r = purge.run(ymd(2026, 4, 1));  // FY2024 (to 2025-03-31) ended a year ago
    EXPECT_TRUE(seqs(*store, "old").empty());
    EXPECT_EQ(seqs(*store, "mixed"), (std::vector<uint64_t>{4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(seqs(*store, "young"), (std::vector<uint64_t>{1, 2, 3}));
    EXPECT_TRUE(seqs(*store, "silent").empty());
    // seq 7-9 arrived on 2025-02-10 by the clock, but after seq 4-6, which are in retention.
    EXPECT_EQ(seqs(*store, "stepped"), (std::vector<uint64_t>{4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(r.events.events, 6u + 3u + 3u);
    // Once the events before them go, so do they.
    purge.run(ymd(2028, 4, 1));
    EXPECT_TRUE(seqs(*store, "stepped").empty());
}

TYPED_TEST(RetentionPurgeTest, ExceptionsGoFiveYearsAfterTheFiscalYearTheyEndedIn) {
    auto store = this->open();
    auto grant = [&](const std::string& id, const std::string& last_day) {
        ExceptionRecord e;
        e.id = id;
        e.terminal = "t1";
        e.created_unix = kNow;
        e.expires_unix = this->calendar.startOfDateUnix(last_day, 1);  // as ExceptionRequest stores "until"
        e.exception = "x";
        store->addException(e, {id, kNow, "sato", "security_admin", "requested", ""});
    };
    grant("ended-fy2021", "2022-03-31");
    grant("ended-fy2022", "2022-04-01");
    grant("in-force", "2027-06-30");
    RetentionPurge purge(*store, this->calendar, {});

    const auto r = purge.run(ymd(2027, 4, 1));
    EXPECT_EQ(r.exceptions_kept_from, "2022-04-01");
    EXPECT_EQ(r.exceptions.exceptions, 1u);
    EXPECT_NE(purge.describe(r).find("removed 1 exceptions that ended 2022-03-31 to 2022-03-31"), std::string::npos)
        << purge.describe(r);
    const auto left = store->exceptions();
    ASSERT_EQ(left.size(), 2u);
    EXPECT_EQ(left[0].id, "ended-fy2022");
    EXPECT_EQ(left[1].id, "in-force");
    // Their records go with them, and only theirs.
    EXPECT_TRUE(store->exceptionHistory("ended-fy2021").empty());
    EXPECT_EQ(store->exceptionHistory("").size(), 2u);
}

TYPED_TEST(RetentionPurgeTest, MediaLedgerEntriesGoFiveYearsAfterTheFiscalYearTheyWereRetiredInNeverWhileInUse) {
    using mamori::test::mediaChange;
    using mamori::test::mediaMoved;
    using mamori::test::mediaRecord;
    auto store = this->open();
    // Ended (retired or withdrawn) at noon of `day`; "" leaves it active, long expired.
    auto entry = [&](const std::string& serial, const std::string& day, const std::string& end_state) {
        auto m = store->addMedia(mediaRecord("0781:5581:" + serial, "税務課", this->calendar.startOfDateUnix("2021-06-01")),
                                 "M-2021-", mediaChange("requested"));
        if (end_state.empty() || end_state == "withdrawn") {
            if (!end_state.empty())
                store->changeMedia(mediaMoved(m, "withdrawn", this->calendar.startOfDateUnix(day) + 43200), "requested",
                                   mediaChange("withdrawn", kNow, m.id));
            else
                store->changeMedia(mediaMoved(m, "active", kNow), "requested", mediaChange("approved", kNow, m.id));
            return m.id;
        }
        m = store->changeMedia(mediaMoved(m, "active", kNow), "requested", mediaChange("approved", kNow, m.id));
        m = store->changeMedia(mediaMoved(m, "retiring", kNow), "active", mediaChange("retirement requested", kNow, m.id));
        store->changeMedia(mediaMoved(m, "retired", this->calendar.startOfDateUnix(day) + 43200), "retiring",
                           mediaChange("retired", kNow, m.id));
        return m.id;
    };
    const std::string fy2021 = entry("A", "2022-03-31", "retired");
    const std::string withdrawn = entry("B", "2021-07-01", "withdrawn");
    const std::string fy2022 = entry("C", "2022-04-01", "retired");
    const std::string unaccounted = entry("D", "", "");
    RetentionPurge purge(*store, this->calendar, {});

    const auto r = purge.run(ymd(2027, 4, 1));
    EXPECT_EQ(r.media_kept_from, "2022-04-01");
    EXPECT_EQ(r.media.entries, 2u);
    const std::string line = purge.describe(r);
    EXPECT_NE(line.find("removed 2 media ledger entries retired or withdrawn 2021-07-01 to 2022-03-31"), std::string::npos)
        << line;
    std::vector<std::string> left;
    for (const auto& m : store->mediaLedger()) left.push_back(m.id);
    EXPECT_EQ(left, (std::vector<std::string>{fy2022, unaccounted}))
        << "an expired stick without a disposal record stays for the auditor to see";
    EXPECT_TRUE(store->mediaHistory(fy2021).empty());
    EXPECT_TRUE(store->mediaHistory(withdrawn).empty());
    EXPECT_EQ(store->mediaHistory(fy2022).size(), 4u);
    EXPECT_NE(purge.describe(purge.run(ymd(2027, 4, 1))).find("no media ledger entries to remove"), std::string::npos);
}

TYPED_TEST(RetentionPurgeTest, PeriodsAreSettings) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->ingest(datedBatch("t1", 1, {"2024-04-01", "2025-04-01"}));
    RetentionPurge three_years(*store, this->calendar, {3, 5});
    EXPECT_EQ(three_years.run(ymd(2028, 3, 31)).events.events, 0u);
    EXPECT_EQ(three_years.run(ymd(2028, 4, 1)).events.events, 3u);
    EXPECT_EQ(seqs(*store, "t1").front(), 4u);
}

}  // namespace
