#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>

#include "collector/Store.h"
#include "mamori/common/UserError.h"
#include "tests/support/StoreBackends.h"
#include "tests/support/StoreSamples.h"

// The Store contract, run against every implementation: SQLite and PostgreSQL must answer the
// same way, since a site may move from one to the other (mamori-collector migrate).
using namespace mamori::collector;
namespace fs = std::filesystem;
namespace v1 = mamori::v1;

namespace {

using mamori::common::UserError;

// The kind of the common::UserError that f throws; nothing if it throws none. Anything else
// thrown fails the test by escaping.
template <class F>
std::optional<UserError::Kind> userErrorOf(F f) {
    try {
        f();
    } catch (const UserError& e) {
        return e.kind();
    }
    return std::nullopt;
}

using mamori::test::batch;
using mamori::test::event;
using mamori::test::kNow;
using mamori::test::kNs;
using mamori::test::terminal;

template <class Backend>
struct StoreTest : mamori::test::StoreFixture<Backend> {};
TYPED_TEST_SUITE(StoreTest, mamori::test::StoreBackends, mamori::test::StoreBackendNames);

const ComplianceRow* find(const std::vector<ComplianceRow>& rows, const std::string& terminal_id,
                                 v1::Control control) {
    for (const auto& r : rows)
        if (r.terminal_id == terminal_id && r.control == control) return &r;
    return nullptr;
}

TYPED_TEST(StoreTest, SameBatchTwiceIsStoredOnceAndCountedAsDuplicates) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    const IngestBatch b = batch("t1", 1, 10);

    const IngestResult first = store->ingest(b);
    EXPECT_EQ(first.stored, 10u);
    EXPECT_EQ(first.duplicates, 0u);
    EXPECT_EQ(first.head_seq, 10u);

    const IngestResult again = store->ingest(b);
    EXPECT_EQ(again.stored, 0u);
    EXPECT_EQ(again.duplicates, 10u);
    EXPECT_EQ(again.head_seq, 10u);

    EXPECT_EQ(store->events("t1", 0, 0, 100).size(), 10u);
    const auto rows = store->compliance("2026-01-05", true);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].events, 10u) << "a replayed batch must not be counted again";
}

TYPED_TEST(StoreTest, OverlappingBatchStoresOnlyTheNewEvents) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->ingest(batch("t1", 1, 10));
    const IngestResult r = store->ingest(batch("t1", 6, 10));
    EXPECT_EQ(r.stored, 5u);
    EXPECT_EQ(r.duplicates, 5u);
    EXPECT_EQ(store->compliance("2026-01-05", true).at(0).events, 15u);
    EXPECT_EQ(store->eventHash("t1", 15), std::string(32, '\x0f'));
    EXPECT_EQ(store->eventHash("t1", 16), std::nullopt);
}

// Events stored with gaps between them (each gap reported when it happened): a batch that
// covers them all stores only the missing ones, and counts each stored one once.
TYPED_TEST(StoreTest, ABatchAroundStoredEventsStoresOnlyTheMissingOnes) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    IngestBatch sparse = batch("t1", 1, 0);
    sparse.events = {event(2), event(4), event(6)};
    ASSERT_EQ(store->ingest(sparse).stored, 3u);
    const IngestResult r = store->ingest(batch("t1", 1, 7));
    EXPECT_EQ(r.stored, 4u);
    EXPECT_EQ(r.duplicates, 3u);
    EXPECT_EQ(store->events("t1", 0, 0, 100).size(), 7u);
    EXPECT_EQ(store->compliance("2026-01-05", true).at(0).events, 7u);
    // Past both ends of what is stored, and nothing stored in its range at all.
    EXPECT_EQ(store->ingest(batch("t1", 5, 5)).stored, 2u);
    EXPECT_EQ(store->ingest(batch("t1", 20, 3)).stored, 3u);
    EXPECT_EQ(store->events("t1", 0, 0, 100).size(), 12u);
}

TYPED_TEST(StoreTest, ComplianceCountsPerDateAndControl) {
    auto store = this->open();
    store->addTerminal(terminal("t1", "税務課"));
    store->addTerminal(terminal("t2", "住民課"));

    IngestBatch b = batch("t1", 1, 0);
    b.events = {
        event(1, "2026-01-05", v1::USB, false),
        event(2, "2026-01-05", v1::USB, true, v1::ENFORCED),
        event(3, "2026-01-05", v1::USB, true, v1::ENFORCED),
        event(4, "2026-01-05", v1::SOFTWARE, false, v1::EXEMPTED),
        event(5, "2026-01-05", v1::HOURS, false),
        event(6, "2026-01-06", v1::USB, true, v1::MONITORED),
    };
    b.new_head_seq = 6;
    b.new_head_hash = b.events.back().hash;
    store->ingest(b);
    store->ingest(batch("t2", 1, 3));  // heartbeats (control USB) without violations

    const auto all = store->compliance("2026-01-05", true);
    ASSERT_EQ(all.size(), 4u);
    // Ordered by terminal, then control.
    EXPECT_EQ(all[0].terminal_id, "t1");
    EXPECT_EQ(all[0].control, v1::USB);
    EXPECT_EQ(all[1].control, v1::HOURS);
    EXPECT_EQ(all[2].control, v1::SOFTWARE);
    EXPECT_EQ(all[3].terminal_id, "t2");

    const ComplianceRow* usb = find(all, "t1", v1::USB);
    ASSERT_NE(usb, nullptr);
    EXPECT_EQ(usb->group, "税務課");
    EXPECT_EQ(usb->date, "2026-01-05");
    EXPECT_EQ(usb->events, 3u);
    EXPECT_EQ(usb->violations, 2u);
    EXPECT_EQ(usb->exempted, 0u);
    EXPECT_EQ(usb->first_violation_ns, (kNow + 2) * kNs);
    EXPECT_EQ(usb->last_event_ns, (kNow + 3) * kNs);

    const ComplianceRow* sw = find(all, "t1", v1::SOFTWARE);
    ASSERT_NE(sw, nullptr);
    EXPECT_EQ(sw->exempted, 1u);
    EXPECT_EQ(sw->violations, 0u);
    EXPECT_EQ(sw->first_violation_ns, 0);

    const ComplianceRow* t2 = find(all, "t2", v1::USB);
    ASSERT_NE(t2, nullptr);
    EXPECT_EQ(t2->group, "住民課");
    EXPECT_EQ(t2->events, 3u);

    // Without all_rows: only rows with violations or exemptions.
    const auto flagged = store->compliance("2026-01-05", false);
    ASSERT_EQ(flagged.size(), 2u);
    EXPECT_EQ(flagged[0].control, v1::USB);
    EXPECT_EQ(flagged[1].control, v1::SOFTWARE);

    const auto next_day = store->compliance("2026-01-06", false);
    ASSERT_EQ(next_day.size(), 1u);
    EXPECT_EQ(next_day[0].violations, 1u);

    // A later batch adds to the same row; the earliest violation stays.
    IngestBatch later = batch("t1", 7, 0);
    later.events = {event(7, "2026-01-05", v1::USB, true, v1::ENFORCED)};
    later.new_head_seq = 7;
    later.new_head_hash = later.events.back().hash;
    store->ingest(later);
    auto rows2 = store->compliance("2026-01-05", false);  // must outlive the pointer into it
    const ComplianceRow* usb2 = find(rows2, "t1", v1::USB);
    ASSERT_NE(usb2, nullptr);
    EXPECT_EQ(usb2->events, 4u);
    EXPECT_EQ(usb2->violations, 3u);
    EXPECT_EQ(usb2->first_violation_ns, (kNow + 2) * kNs);
    EXPECT_EQ(usb2->last_event_ns, (kNow + 7) * kNs);

    // The group is read at query time: moving a terminal moves its rows.
    store->setTerminalGroup("t1", "情報政策課");
    EXPECT_EQ(store->compliance("2026-01-05", false).at(0).group, "情報政策課");
}

TYPED_TEST(StoreTest, EvidenceIssueIsRecordedAndCountedAsViolationOnce) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    IngestBatch b = batch("t1", 20, 5);
    b.issues = {EvidenceIssue{"gap", 11, 19, "seq 11..19 never arrived", "2026-01-04", kNow + 60}};

    store->ingest(b);
    store->ingest(b);  // the acknowledgement was lost and the agent sent it again

    const auto issues = store->evidenceIssues("t1");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].kind, "gap");
    EXPECT_EQ(issues[0].first_seq, 11u);
    EXPECT_EQ(issues[0].last_seq, 19u);
    EXPECT_EQ(issues[0].detail, "seq 11..19 never arrived");
    EXPECT_EQ(issues[0].local_date, "2026-01-04");
    EXPECT_EQ(issues[0].recorded_unix, kNow + 60);
    EXPECT_TRUE(store->evidenceIssues("t2").empty());

    const auto rows = store->compliance("2026-01-04", false);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].control, v1::EVIDENCE);
    EXPECT_EQ(rows[0].violations, 1u);
    EXPECT_EQ(rows[0].first_violation_ns, (kNow + 60) * kNs);

    // A different issue on the same day adds to the same row.
    IngestBatch fork = batch("t1", 25, 1);
    fork.issues = {EvidenceIssue{"fork", 24, 24, "two different events 24", "2026-01-04", 0}};
    store->ingest(fork);
    EXPECT_EQ(store->compliance("2026-01-04", false).at(0).violations, 2u);
    EXPECT_EQ(store->evidenceIssues("t1").at(1).recorded_unix, kNow) << "defaults to the batch's time";
}

TYPED_TEST(StoreTest, TamperingStandsWithItsFirstIssueUntilResolved) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    IngestBatch gap = batch("t1", 1, 2);
    gap.issues = {EvidenceIssue{"gap", 3, 4, "lost", "2026-01-05", kNow}};
    store->ingest(gap);
    EXPECT_TRUE(store->tamperingSuspected().empty()) << "a gap may be lost evidence, not tampering";

    IngestBatch b = batch("t1", 5, 2);
    b.issues = {EvidenceIssue{"tampered", 7, 7, "altered", "2026-01-05", kNow + 5},
                EvidenceIssue{"fork", 8, 8, "does not link", "2026-01-05", kNow + 5}};
    store->ingest(b);
    ASSERT_EQ(store->tamperingSuspected().size(), 1u);
    const auto t1 = store->terminal("t1");
    EXPECT_EQ(t1->tampering_since_unix, kNow + 5);
    EXPECT_EQ(t1->tampering_detail, "tampered seq 7-7: altered");
    EXPECT_EQ(store->compliance("2026-01-05", false).at(0).violations, 3u);

    const auto [since, detail] = store->resolveTampering("t1");
    EXPECT_EQ(since, kNow + 5);
    EXPECT_EQ(detail, "tampered seq 7-7: altered");
    EXPECT_TRUE(store->tamperingSuspected().empty());
    EXPECT_EQ(store->resolveTampering("t1").first, 0) << "nothing left to resolve";
    EXPECT_EQ(userErrorOf([&] { store->resolveTampering("nope"); }), UserError::Kind::NotFound);
}

TYPED_TEST(StoreTest, AWrongClockAtSyncIsAClockViolationOfThatDateThatStandsUntilItIsRight) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->recordSync("t1", TerminalStore::Sync{kNow, 1, -86'400'000, true, "2026-01-05", "a day behind"});
    store->recordSync("t1", TerminalStore::Sync{kNow + 60, 1, -86'399'000, true, "2026-01-05", "a day behind"});
    EXPECT_TRUE(store->terminal("t1")->clock_wrong);
    auto rows = store->compliance("2026-01-05", false);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].control, v1::CLOCK);
    EXPECT_EQ(rows[0].violations, 1u) << "counted when it goes wrong; after that it stands";
    EXPECT_EQ(rows[0].clock_skew_ms, -86'399'000);
    auto open = store->conditionsBetween("2026-01-07", "2026-01-07");
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].key, "clock");
    EXPECT_EQ(open[0].control, v1::CLOCK);
    EXPECT_EQ(open[0].since_date, "2026-01-05");
    EXPECT_EQ(open[0].reason, "a day behind");
    EXPECT_EQ(open[0].cleared_unix, 0);
    // A sync that did not judge the clock leaves it as it was.
    store->recordSync("t1", TerminalStore::Sync{kNow + 90, 1, 0, false, {}, {}});
    EXPECT_EQ(store->conditionsBetween("2026-01-07", "2026-01-07").size(), 1u);
    store->recordSync("t1", TerminalStore::Sync{kNow + 86400 * 3, 1, 20, false, "2026-01-08", {}});
    EXPECT_FALSE(store->terminal("t1")->clock_wrong);
    EXPECT_TRUE(store->conditionsBetween("2026-01-09", "2026-01-09").empty());
    const auto history = store->conditionsBetween("2026-01-01", "2026-01-31");
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].cleared_date, "2026-01-08");
    EXPECT_TRUE(history[0].openOn("2026-01-08"));
    EXPECT_FALSE(history[0].openOn("2026-01-04"));
    EXPECT_EQ(store->compliance("2026-01-05", false).at(0).violations, 1u);
    EXPECT_EQ(userErrorOf([&] { store->recordSync("t1", TerminalStore::Sync{kNow, 1, 1, true, {}, {}}); }),
              UserError::Kind::Invalid);
}

TYPED_TEST(StoreTest, KnownGroupsAreEveryGroupTheStoreNamesWhicheverCollectorWroteIt) {
    auto store = this->open();
    EXPECT_TRUE(store->knownGroups().empty());
    store->addTerminal(terminal("t1", "税務課"));
    store->addEnrollToken(EnrollToken{"hash", "住民課", kNow + 3600, "admin"});
    store->addPolicy(PolicyRecord{0, "会計課", "p", "", kNow, "admin"});
    store->addAdminUser({"tanaka", "section_manager", {"福祉課", "税務課"}, "aa11"});
    // Another connection, as a second collector sharing the database sees it.
    EXPECT_EQ(this->open()->knownGroups(), (std::vector<std::string>{"会計課", "住民課", "福祉課", "税務課"}));
}

TYPED_TEST(StoreTest, EventsOpenAndClearStandingConditionsOncePerTransition) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    auto with = [](IngestEvent e, std::optional<StandingCondition> c) {
        e.condition = std::move(c);
        return e;
    };
    const StandingCondition installed{"package:p2p", v1::SOFTWARE, true, "unapproved package p2p 1.0 installed"};
    StandingCondition removed = installed;
    removed.open = false;
    IngestBatch b = batch("t1", 1, 0);
    b.events = {with(event(1, "2026-01-05"), installed), with(event(2, "2026-01-06"), installed)};
    b.new_head_seq = 2;
    b.new_head_hash = b.events.back().hash;
    store->ingest(b);
    store->ingest(b);  // a replay changes nothing
    auto open = store->conditionsBetween("2026-01-06", "2026-01-06");
    ASSERT_EQ(open.size(), 1u) << "one open condition per key";
    EXPECT_EQ(open[0].since_date, "2026-01-05");
    EXPECT_EQ(open[0].group, "総務課");

    IngestBatch later = batch("t1", 3, 0);
    later.events = {with(event(3, "2026-01-09"), removed), with(event(4, "2026-01-10"), installed)};
    later.new_head_seq = 4;
    later.new_head_hash = later.events.back().hash;
    store->ingest(later);
    const auto history = store->conditionsBetween("2026-01-01", "2026-01-31");
    ASSERT_EQ(history.size(), 2u) << "installed again: a second life of the same condition";
    EXPECT_EQ(history[0].cleared_date, "2026-01-09");
    EXPECT_EQ(history[1].since_date, "2026-01-10");
    EXPECT_EQ(history[1].cleared_unix, 0);
    EXPECT_EQ(store->conditionsBetween("2026-01-07", "2026-01-07").size(), 1u);
}

TYPED_TEST(StoreTest, ABatchEndingOnAgentStoppingMakesTheTerminalOffUntilItsNextEvent) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    IngestBatch b = batch("t1", 1, 2);
    b.events.back().type = v1::AGENT_STOPPING;
    store->ingest(b);
    EXPECT_EQ(store->terminal("t1")->off_since_unix, b.now_unix);
    store->ingest(b);  // a replay is no news
    EXPECT_EQ(store->terminal("t1")->off_since_unix, b.now_unix);
    IngestBatch started = batch("t1", 3, 1);
    started.events.front().prev_hash = b.events.back().hash;
    store->ingest(started);
    EXPECT_EQ(store->terminal("t1")->off_since_unix, 0);
}

TYPED_TEST(StoreTest, IngestForUnknownTerminalThrowsAndWritesNothing) {
    auto store = this->open();
    IngestBatch b = batch("ghost", 1, 3);
    b.issues = {EvidenceIssue{"gap", 1, 1, "", "2026-01-05", kNow}};
    EXPECT_EQ(userErrorOf([&] { store->ingest(b); }), UserError::Kind::NotFound);
    EXPECT_TRUE(store->events("ghost", 0, 0, 10).empty());
    EXPECT_TRUE(store->evidenceIssues("ghost").empty());
    EXPECT_TRUE(store->compliance("2026-01-05", true).empty());
}

TYPED_TEST(StoreTest, HeadIsNeverLowered) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->ingest(batch("t1", 1, 10));
    const IngestResult r = store->ingest(batch("t1", 3, 2));  // an old batch arriving late
    EXPECT_EQ(r.head_seq, 10u);
    const auto t = store->terminal("t1");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->head_seq, 10u);
    EXPECT_EQ(t->head_hash, std::string(32, '\x0a'));

    IngestBatch later = batch("t1", 11, 1);
    later.now_unix = kNow - 100;  // last_seen never goes back either
    store->ingest(later);
    EXPECT_EQ(store->terminal("t1")->head_seq, 11u);
    EXPECT_EQ(store->terminal("t1")->last_seen_unix, kNow);
}

TYPED_TEST(StoreTest, EventsArePagedBySeqAndFilteredByTime) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->addTerminal(terminal("t2"));
    store->ingest(batch("t1", 1, 20));
    store->ingest(batch("t2", 1, 5));

    const auto page1 = store->events("t1", 0, 0, 8);
    ASSERT_EQ(page1.size(), 8u);
    EXPECT_EQ(page1.front().seq, 1u);
    EXPECT_EQ(page1.back().seq, 8u);
    const auto page2 = store->events("t1", 0, page1.back().seq, 100);
    ASSERT_EQ(page2.size(), 12u);
    EXPECT_EQ(page2.front().seq, 9u);
    EXPECT_EQ(page2.front().body, event(9).body);
    EXPECT_EQ(page2.front().prev_hash, event(9).prev_hash);
    EXPECT_EQ(page2.front().hash, event(9).hash);
    EXPECT_EQ(page2.front().signature, event(9).signature);
    EXPECT_EQ(page2.front().utc_ns, event(9).utc_ns);

    const auto recent = store->events("t1", (kNow + 15) * kNs, 0, 100);
    ASSERT_EQ(recent.size(), 6u);
    EXPECT_EQ(recent.front().seq, 15u);
    EXPECT_TRUE(store->events("t1", 0, 0, 0).empty());
}

TYPED_TEST(StoreTest, EnrollTokenIsSingleUse) {
    auto store = this->open();
    store->addEnrollToken({"hash-1", "税務課", kNow + 3600, "admin"});
    EXPECT_EQ(userErrorOf([&] { store->addEnrollToken({"hash-1", "x", kNow, "y"}); }), UserError::Kind::Conflict);

    const auto t = store->consumeEnrollToken("hash-1", kNow);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->group, "税務課");
    EXPECT_EQ(t->expires_unix, kNow + 3600);
    EXPECT_EQ(t->created_by, "admin");
    EXPECT_FALSE(store->consumeEnrollToken("hash-1", kNow));
    EXPECT_FALSE(store->consumeEnrollToken("no-such-token", kNow));
}

TYPED_TEST(StoreTest, ExpiredEnrollTokenIsRefused) {
    auto store = this->open();
    store->addEnrollToken({"hash-1", "g", kNow + 3600, "admin"});
    EXPECT_FALSE(store->consumeEnrollToken("hash-1", kNow + 3600));
    EXPECT_FALSE(store->consumeEnrollToken("hash-1", kNow + 7200));
    EXPECT_TRUE(store->consumeEnrollToken("hash-1", kNow + 3599)) << "refusing an expired use must not burn it";
}

TYPED_TEST(StoreTest, ConcurrentConsumersOfOneTokenOnlyOneSucceeds) {
    // Two threads of one collector, and a second connection as mamorictl would open it.
    auto store = this->open();
    auto other = this->open();
    constexpr int kTokens = 200;
    for (int i = 0; i < kTokens; ++i) store->addEnrollToken({"h" + std::to_string(i), "g", kNow + 60, "a"});

    std::atomic<int> wins{0};
    auto consume = [&](Store& s) {
        for (int i = 0; i < kTokens; ++i)
            if (s.consumeEnrollToken("h" + std::to_string(i), kNow)) ++wins;
    };
    std::thread a(consume, std::ref(*store));
    std::thread b(consume, std::ref(*store));
    std::thread c(consume, std::ref(*other));
    a.join();
    b.join();
    c.join();
    EXPECT_EQ(wins.load(), kTokens);
}

TYPED_TEST(StoreTest, PolicyVersionsIncreaseAcrossGroups) {
    auto store = this->open();
    PolicyRecord p;
    p.group = "税務課";
    p.name = "標準";
    p.policy = std::string("\x08\x01\x00\xff", 4);
    p.created_unix = kNow;
    p.created_by = "ciso";
    p.version = 999;  // ignored: the store assigns versions
    const uint64_t v1 = store->addPolicy(p);
    p.group = "住民課";
    const uint64_t v2 = store->addPolicy(p);
    p.group = "税務課";
    p.name = "改訂";
    const uint64_t v3 = store->addPolicy(p);
    EXPECT_LT(v1, v2);
    EXPECT_LT(v2, v3);

    const auto latest = store->latestPolicy("税務課");
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->version, v3);
    EXPECT_EQ(latest->name, "改訂");
    EXPECT_EQ(latest->policy, p.policy);
    EXPECT_EQ(latest->created_by, "ciso");
    EXPECT_EQ(store->latestPolicy("住民課")->version, v2);
    EXPECT_FALSE(store->latestPolicy("会計課"));
}

TYPED_TEST(StoreTest, TerminalsAreUniqueAndOrderedById) {
    auto store = this->open();
    store->addTerminal(terminal("t3"));
    store->addTerminal(terminal("t1"));
    store->addTerminal(terminal("t2"));
    EXPECT_EQ(userErrorOf([&] { store->addTerminal(terminal("t1", "other")); }), UserError::Kind::Conflict);

    const auto all = store->terminals();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].id, "t1");
    EXPECT_EQ(all[1].id, "t2");
    EXPECT_EQ(all[2].id, "t3");
    EXPECT_EQ(all[0].group, "総務課") << "the failed add must not have changed the first";
    EXPECT_EQ(all[0].public_key, std::string(32, '\x07'));
    EXPECT_EQ(all[0].head_hash, std::string(32, '\0'));

    store->recordSync("t2", kNow + 50, 7, -1200);
    const auto t2 = store->terminal("t2");
    EXPECT_EQ(t2->last_seen_unix, kNow + 50);
    EXPECT_EQ(t2->applied_policy_version, 7u);
    EXPECT_EQ(t2->clock_skew_ms, -1200);
    EXPECT_EQ(userErrorOf([&] { store->recordSync("nope", kNow, 1, 0); }), UserError::Kind::NotFound);
    EXPECT_EQ(userErrorOf([&] { store->setTerminalGroup("nope", "g"); }), UserError::Kind::NotFound);
    EXPECT_FALSE(store->terminal("nope"));
}

TYPED_TEST(StoreTest, SilentTerminalsAreThoseLastSeenOrEnrolledBeforeTheCutoff) {
    auto store = this->open();
    store->addTerminal(terminal("quiet", "総務課", kNow - 100));        // enrolled, never seen since
    store->addTerminal(terminal("fresh", "総務課", kNow + 10));         // enrolled after the cutoff
    store->addTerminal(terminal("synced", "税務課", kNow - 500));
    store->addTerminal(terminal("boundary", "税務課", kNow - 500));
    store->recordSync("synced", kNow + 5, 1, 0);
    store->recordSync("boundary", kNow, 1, 0);  // at the cutoff: not before it

    const auto silent = store->silentTerminals(kNow);
    ASSERT_EQ(silent.size(), 1u);
    EXPECT_EQ(silent[0].id, "quiet");
    EXPECT_EQ(silent[0].group, "総務課");
    EXPECT_TRUE(silent[0].certificate_pem.empty()) << "a listing, not the certificates";
    EXPECT_EQ(store->silentTerminals(kNow + 6).size(), 3u);
    EXPECT_EQ(store->silentTerminals(kNow + 11).size(), 4u);
}

TYPED_TEST(StoreTest, ReportingDaysAreOneBitPerDayOfTheMonthPerTerminal) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->addTerminal(terminal("t2"));
    store->addTerminal(terminal("idle"));
    store->ingest(batch("t1", 1, 3, "2026-01-01"));
    store->ingest(batch("t1", 4, 2, "2026-01-31"));
    store->ingest(batch("t1", 6, 2, "2026-02-01"));  // the next month: outside the range
    store->ingest(batch("t2", 1, 1, "2026-01-15"));
    store->ingest(batch("t2", 2, 1, "2026-01-15"));  // one day however many batches

    auto days = store->reportingDays("2026-01-01", "2026-01-31");
    std::sort(days.begin(), days.end());
    ASSERT_EQ(days.size(), 2u) << "a terminal with no events has no row";
    EXPECT_EQ(days[0], (std::pair<std::string, uint32_t>{"t1", (1u << 0) | (1u << 30)}));
    EXPECT_EQ(days[1], (std::pair<std::string, uint32_t>{"t2", 1u << 14}));
    EXPECT_TRUE(store->reportingDays("2026-01-02", "2026-01-14").empty());

    const auto rows = store->compliance("2026-01-15", true);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].last_seen_unix, kNow) << "each row carries its terminal's last sign of life";
}

TYPED_TEST(StoreTest, SettingsAndAdminUsers) {
    auto store = this->open();
    EXPECT_FALSE(store->setting("time_zone"));
    store->putSetting("time_zone", "Asia/Tokyo");
    store->putSetting("time_zone", "Asia/Tokyo ");
    EXPECT_EQ(store->setting("time_zone"), "Asia/Tokyo ");

    store->addAdminUser({"tanaka", "section_manager", {"税務課", "住民課, 窓口"}, "aa11"});
    EXPECT_EQ(userErrorOf([&] { store->addAdminUser({"tanaka", "security_admin", {}, "bb22"}); }),
              UserError::Kind::Conflict);
    EXPECT_EQ(userErrorOf([&] { store->addAdminUser({"suzuki", "security_admin", {}, "aa11"}); }),
              UserError::Kind::Conflict);
    const auto u = store->adminByTokenHash("aa11");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->name, "tanaka");
    EXPECT_EQ(u->role, "section_manager");
    EXPECT_EQ(u->sections, (std::vector<std::string>{"税務課", "住民課, 窓口"}));
    EXPECT_TRUE(u->rights.empty());
    EXPECT_EQ(u->disabled_unix, 0);
    EXPECT_FALSE(store->adminByTokenHash("bb22"));

    // A change of role, sections, rights and state, as UserApi makes it.
    AdminUser changed = *u;
    changed.role = "security_admin";
    changed.sections.clear();
    changed.rights = {"approve"};
    changed.disabled_unix = kNow;
    EXPECT_TRUE(store->updateAdminUser(changed));
    changed.name = "nobody";
    EXPECT_FALSE(store->updateAdminUser(changed));
    store->addAdminUser({"abe", "auditor", {}, "cc33"});
    const auto all = store->adminUsers();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "abe");
    EXPECT_EQ(all[1].name, "tanaka");
    EXPECT_EQ(all[1].role, "security_admin");
    EXPECT_TRUE(all[1].sections.empty());
    EXPECT_EQ(all[1].rights, (std::vector<std::string>{"approve"}));
    EXPECT_EQ(all[1].disabled_unix, kNow);
    EXPECT_EQ(store->adminByName("tanaka")->token_hash, "aa11") << "the token stays";
    EXPECT_FALSE(store->adminByName("tanak"));
}

TYPED_TEST(StoreTest, ReopenKeepsData) {
    {
        auto store = this->open();
        store->addTerminal(terminal("t1"));
        store->ingest(batch("t1", 1, 5));
        store->putSetting("k", "v");
        store->addPolicy({0, "g", "n", "p", kNow, "x"});
    }
    auto store = this->open();
    EXPECT_EQ(store->terminal("t1")->head_seq, 5u);
    EXPECT_EQ(store->events("t1", 0, 0, 100).size(), 5u);
    EXPECT_EQ(store->setting("k"), "v");
    EXPECT_EQ(store->compliance("2026-01-05", true).at(0).events, 5u);
    const uint64_t before = store->latestPolicy("g")->version;
    EXPECT_GT(store->addPolicy({0, "g", "n2", "p", kNow, "x"}), before) << "versions continue after a reopen";
    EXPECT_EQ(store->latestPolicy("g")->name, "n2");
}

TYPED_TEST(StoreTest, ConcurrentIngestForTwoTerminalsIsConsistent) {
    auto store = this->open();
    store->addTerminal(terminal("t1"));
    store->addTerminal(terminal("t2"));
    constexpr int kBatches = 60;
    constexpr uint32_t kPerBatch = 50;
    auto run = [&](const std::string& id) {
        for (int i = 0; i < kBatches; ++i) {
            const uint64_t first = static_cast<uint64_t>(i) * kPerBatch + 1;
            store->ingest(batch(id, first, kPerBatch));
            if (i % 10 == 0) store->ingest(batch(id, first, kPerBatch));  // a retry
        }
    };
    std::atomic<bool> done{false};
    std::thread reader([&] {
        // Readers see whole batches only: counts are always a multiple of the batch size.
        while (!done) {
            for (const auto& r : store->compliance("2026-01-05", true)) EXPECT_EQ(r.events % kPerBatch, 0u);
        }
    });
    std::thread a(run, "t1");
    std::thread b(run, "t2");
    a.join();
    b.join();
    done = true;
    reader.join();

    const auto rows = store->compliance("2026-01-05", true);
    ASSERT_EQ(rows.size(), 2u);
    for (const auto& r : rows) EXPECT_EQ(r.events, kBatches * kPerBatch) << r.terminal_id;
    for (const char* id : {"t1", "t2"}) {
        EXPECT_EQ(store->terminal(id)->head_seq, kBatches * kPerBatch);
        EXPECT_EQ(store->events(id, 0, 0, 100000).size(), kBatches * kPerBatch);
    }
}

TYPED_TEST(StoreTest, FailingBatchInAGroupCommitFailsAlone) {
    // Six threads keep the queue full, so batches are committed in groups; one thread's
    // batches name a terminal that does not exist.
    auto store = this->open();
    for (int t = 0; t < 5; ++t) store->addTerminal(terminal("t" + std::to_string(t)));
    constexpr int kBatches = 40;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            const std::string id = t < 5 ? "t" + std::to_string(t) : "ghost";
            for (int i = 0; i < kBatches; ++i) {
                try {
                    store->ingest(batch(id, static_cast<uint64_t>(i) * 20 + 1, 20));
                } catch (const UserError& e) {
                    if (e.kind() == UserError::Kind::NotFound) ++failures;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), kBatches);
    const auto rows = store->compliance("2026-01-05", true);
    ASSERT_EQ(rows.size(), 5u);
    for (const auto& r : rows) EXPECT_EQ(r.events, kBatches * 20u) << r.terminal_id;
    EXPECT_TRUE(store->events("ghost", 0, 0, 10).empty());
}

ExceptionRecord exceptionRecord(const std::string& id, const std::string& terminal, const std::string& group,
                                int64_t expires) {
    ExceptionRecord e;
    e.id = id;
    e.terminal = terminal;
    e.group = group;
    e.expires_unix = expires;
    e.created_unix = kNow;
    e.exception = std::string("\x0a\x03", 2) + id.substr(0, 3) + std::string(1, '\0');  // bytes, NUL included
    e.version = 12345;  // ignored: the store assigns versions
    return e;
}

ExceptionChange change(const std::string& id, const std::string& action, int64_t at = kNow) {
    return {id, at, action == "requested" ? "sato" : "suzuki", action == "requested" ? "security_admin" : "ciso", action,
            "note of " + action};
}

TYPED_TEST(StoreTest, ExceptionsShareThePolicyVersionCounterAndApplyOnlyOnceApproved) {
    auto store = this->open();
    // An exception before any policy still gets a version, and the first policy comes after it.
    const uint64_t e0 = store->addException(exceptionRecord("ex0", "t9", "", kNow + 10), change("ex0", "requested"));
    const uint64_t p1 = store->addPolicy({0, "税務課", "標準", "p", kNow, "admin"});
    const uint64_t e1 = store->addException(exceptionRecord("ex1", "t1", "", kNow + 100), change("ex1", "requested"));
    const uint64_t p2 = store->addPolicy({0, "税務課", "改訂", "p", kNow, "admin"});
    const uint64_t e2 = store->addException(exceptionRecord("ex2", "", "税務課", kNow + 1000), change("ex2", "requested"));
    EXPECT_LT(e0, p1);
    EXPECT_LT(p1, e1);
    EXPECT_LT(e1, p2);
    EXPECT_LT(p2, e2);
    EXPECT_EQ(userErrorOf([&] { store->addException(exceptionRecord("ex1", "t2", "", kNow + 100), change("ex1", "requested")); }),
              UserError::Kind::Conflict);
    EXPECT_TRUE(store->exceptionsFor("t1", "税務課", kNow).empty()) << "a request applies to nobody";

    const auto approved = store->changeException(change("ex1", "approved"), "requested", "active", "approved bytes",
                                                 "suzuki", 0);
    EXPECT_GT(approved.version, e2) << "an approval is a newer policy for its terminals";
    EXPECT_EQ(approved.state, "active");
    EXPECT_EQ(approved.approved_by, "suzuki");
    EXPECT_EQ(approved.exception, "approved bytes");
    EXPECT_EQ(approved.requested_by, "");  // as the record given to addException had it
    store->changeException(change("ex2", "approved"), "requested", "active", "", "suzuki", 0);
    // Of two approvers at once, one wins; the other is told what happened.
    EXPECT_EQ(userErrorOf([&] { store->changeException(change("ex2", "approved"), "requested", "active", "", "x", 0); }),
              UserError::Kind::Conflict);
    EXPECT_EQ(userErrorOf([&] { store->changeException(change("nope", "approved"), "requested", "active", "", "x", 0); }),
              UserError::Kind::NotFound);

    const auto now = store->exceptionsFor("t1", "税務課", kNow);
    ASSERT_EQ(now.size(), 2u);
    EXPECT_EQ(now[0].id, "ex1");
    EXPECT_EQ(now[0].terminal, "t1");
    EXPECT_EQ(now[0].expires_unix, kNow + 100);
    EXPECT_EQ(now[0].created_unix, kNow);
    EXPECT_EQ(now[1].id, "ex2");
    EXPECT_EQ(now[1].group, "税務課");
    EXPECT_EQ(now[1].exception, exceptionRecord("ex2", "", "", 0).exception) << "kept when none is given";

    const auto later = store->exceptionsFor("t1", "税務課", kNow + 100);
    ASSERT_EQ(later.size(), 1u) << "ex1 expired at kNow + 100";
    EXPECT_EQ(later[0].id, "ex2");
    EXPECT_TRUE(store->exceptionsFor("t2", "住民課", kNow).empty());
    EXPECT_TRUE(store->exceptionsFor("", "", kNow).empty()) << "an empty scope matches nothing";

    // A revoked one stays in scope with a newer version, so terminals re-sync without it.
    const auto revoked = store->changeException(change("ex2", "revoked", kNow + 5), "active", "revoked", "", "", kNow + 5);
    EXPECT_GT(revoked.version, approved.version);
    EXPECT_EQ(revoked.ended_unix, kNow + 5);
    EXPECT_EQ(revoked.approved_by, "suzuki") << "kept when none is given";
    const auto after = store->exceptionsFor("t1", "税務課", kNow + 10);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[1].state, "revoked");

    const auto all = store->exceptions();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].id, "ex0");
    EXPECT_EQ(all[0].state, "requested");
    EXPECT_EQ(all[2].id, "ex2");
    const auto history = store->exceptionHistory("ex2");
    ASSERT_EQ(history.size(), 3u);
    EXPECT_EQ(history[0].action, "requested");
    EXPECT_EQ(history[1].action, "approved");
    EXPECT_EQ(history[2].action, "revoked");
    EXPECT_EQ(history[2].at_unix, kNow + 5);
    EXPECT_EQ(history[2].actor, "suzuki");
    EXPECT_EQ(history[2].note, "note of revoked");
    EXPECT_EQ(store->exceptionHistory("").size(), 6u) << "3 requests, 2 approvals, 1 revocation; no failed attempt";

    store.reset();
    store = this->open();
    EXPECT_GT(store->addPolicy({0, "g", "n", "p", kNow, "x"}), revoked.version) << "one counter, also after a reopen";
}

TYPED_TEST(StoreTest, MediaLedgerNumbersPerFiscalYearKeepsOneLiveEntryPerStickAndDeliversOnlyApprovedOnes) {
    using mamori::test::mediaChange;
    using mamori::test::mediaMoved;
    using mamori::test::mediaRecord;
    auto store = this->open();
    const uint64_t p1 = store->addPolicy({0, "税務課", "標準", "p", kNow, "admin"});
    const auto a = store->addMedia(mediaRecord("0781:5581:A", "税務課", kNow + 1000), "M-2025-", mediaChange("requested"));
    const auto b = store->addMedia(mediaRecord("0781:5581:B", "税務課", kNow + 1000, {"t9", "t8"}), "M-2025-",
                                   mediaChange("requested"));
    const auto c = store->addMedia(mediaRecord("0781:5581:C", "住民課", kNow + 1000), "M-2026-", mediaChange("requested"));
    EXPECT_EQ(a.id, "M-2025-0001");
    EXPECT_EQ(b.id, "M-2025-0002");
    EXPECT_EQ(c.id, "M-2026-0001") << "numbered afresh each fiscal year";
    EXPECT_GT(a.version, p1) << "one version counter with policies";
    EXPECT_LT(a.version, b.version);
    EXPECT_EQ(b.terminals, (std::vector<std::string>{"t8", "t9"}));
    EXPECT_EQ(userErrorOf([&] { store->addMedia(mediaRecord("0781:5581:A", "住民課", kNow + 9), "M-2025-", mediaChange("requested")); }),
              UserError::Kind::Conflict)
        << "one stick, one live entry";
    EXPECT_TRUE(store->mediaFor("t1", "税務課", kNow).empty()) << "a request reaches nobody";

    const auto approved = store->changeMedia(mediaMoved(a, "active", kNow + 1), "requested", mediaChange("approved", kNow + 1, a.id));
    EXPECT_GT(approved.version, c.version) << "an approval is a newer policy for its terminals";
    EXPECT_EQ(approved.state, "active");
    EXPECT_EQ(approved.approved_by, "suzuki");
    EXPECT_EQ(approved.approved_unix, kNow + 1);
    // Of two approvers at once, one wins; the other is told what happened.
    EXPECT_EQ(userErrorOf([&] { store->changeMedia(mediaMoved(a, "active", kNow + 2), "requested", mediaChange("approved")); }),
              UserError::Kind::Conflict);
    MediaRecord unknown = a;
    unknown.id = "M-1999-0001";
    EXPECT_EQ(userErrorOf([&] { store->changeMedia(unknown, "requested", mediaChange("approved")); }),
              UserError::Kind::NotFound);
    store->changeMedia(mediaMoved(b, "active", kNow + 2), "requested", mediaChange("approved", kNow + 2, b.id));

    // The section's terminals get a; b only reaches the terminals it lists, whatever their section.
    auto ids = [&](const std::string& terminal, const std::string& group, int64_t now) {
        std::vector<std::string> out;
        for (const auto& m : store->mediaFor(terminal, group, now)) out.push_back(m.id + " " + m.state);
        return out;
    };
    EXPECT_EQ(ids("t1", "税務課", kNow), (std::vector<std::string>{"M-2025-0001 active"}));
    EXPECT_EQ(ids("t9", "住民課", kNow), (std::vector<std::string>{"M-2025-0002 active"}));
    EXPECT_TRUE(ids("t1", "税務課", kNow + 1000).empty()) << "expired";
    const auto full = *store->media(a.id);
    EXPECT_EQ(full.device, "0781:5581:A");
    EXPECT_EQ(full.description, "SanDisk Ultra");
    EXPECT_EQ(full.purpose, "選挙事務");
    EXPECT_TRUE(full.encrypted);
    EXPECT_EQ(full.until, "2026-01-31");
    EXPECT_EQ(full.requested_by, "sato");
    EXPECT_FALSE(store->media("M-1999-0001"));

    // Retiring: no longer delivered, but in scope with a newer version so terminals re-sync without it.
    const auto retiring = store->changeMedia(mediaMoved(full, "retiring", kNow + 3, "sato"), "active",
                                             mediaChange("retirement requested", kNow + 3, a.id));
    EXPECT_GT(retiring.version, approved.version);
    EXPECT_EQ(retiring.erased_by, "山田");
    EXPECT_EQ(retiring.approved_by, "suzuki") << "the approval stays on record";
    EXPECT_EQ(ids("t1", "税務課", kNow + 4), (std::vector<std::string>{"M-2025-0001 retiring"}));
    EXPECT_EQ(userErrorOf([&] { store->addMedia(mediaRecord("0781:5581:A", "税務課", kNow + 9), "M-2025-", mediaChange("requested")); }),
              UserError::Kind::Conflict)
        << "still live until the retirement is approved";
    const auto retired = store->changeMedia(mediaMoved(retiring, "retired", kNow + 4), "retiring",
                                            mediaChange("retired", kNow + 4, a.id));
    EXPECT_EQ(retired.ended_unix, kNow + 4);
    store->changeMedia(mediaMoved(c, "withdrawn", kNow + 5, "sato"), "requested", mediaChange("withdrawn", kNow + 5, c.id));
    const auto again = store->addMedia(mediaRecord("0781:5581:A", "税務課", kNow + 9), "M-2025-", mediaChange("requested"));
    EXPECT_EQ(again.id, "M-2025-0003") << "retired, the stick may be registered again";

    const auto ledger = store->mediaLedger();
    ASSERT_EQ(ledger.size(), 4u);
    EXPECT_EQ(ledger[0].id, "M-2025-0001");
    EXPECT_EQ(ledger[0].state, "retired");
    EXPECT_EQ(ledger[2].id, "M-2025-0003") << "requested at the same second: by number";
    EXPECT_EQ(ledger[3].state, "withdrawn");
    const auto history = store->mediaHistory(a.id);
    ASSERT_EQ(history.size(), 4u);
    EXPECT_EQ(history[0].media_id, a.id);
    EXPECT_EQ(history[2].action, "retirement requested");
    EXPECT_EQ(history[3].at_unix, kNow + 4);
    EXPECT_EQ(history[3].note, "note of retired");
    EXPECT_EQ(store->mediaHistory("").size(), 9u) << "4 requests, 2 approvals, a retirement in two steps, a withdrawal";

    // Retention takes what ended before the cut-off, with its history and terminals; nothing in use.
    const PurgedMedia purged = store->purgeMediaEndedBefore(kNow + 5);
    EXPECT_EQ(purged.entries, 1u) << "the retired one; the withdrawal ended at the cut-off";
    EXPECT_EQ(purged.first_end_unix, kNow + 4);
    EXPECT_FALSE(store->media(a.id));
    EXPECT_TRUE(store->mediaHistory(a.id).empty());
    EXPECT_EQ(store->purgeMediaEndedBefore(kNow + 100000).entries, 1u) << "the withdrawn one; active ones stay";
    EXPECT_EQ(store->mediaLedger().size(), 2u);

    store.reset();
    store = this->open();
    EXPECT_GT(store->addPolicy({0, "g", "n", "p", kNow, "x"}), again.version) << "one counter, also after a reopen";
}

TYPED_TEST(StoreTest, AccessLogKeepsEveryReadNewestFirst) {
    auto store = this->open();
    EXPECT_TRUE(store->accessLog(0, 10).empty());
    store->recordAccess({kNow, "yamada", "section_manager", "t1", "events"});
    store->recordAccess({kNow + 5, "kansa", "auditor", "t2", "events"});
    store->recordAccess({kNow + 5, "yamada", "section_manager", "t2", "events (refused)"});
    const auto all = store->accessLog(0, 10);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].user, "yamada");
    EXPECT_EQ(all[0].action, "events (refused)");
    EXPECT_EQ(all[1].user, "kansa");
    EXPECT_EQ(all[1].role, "auditor");
    EXPECT_EQ(all[1].terminal_id, "t2");
    EXPECT_EQ(all[2].at_unix, kNow);
    EXPECT_EQ(store->accessLog(kNow + 1, 10).size(), 2u);
    EXPECT_EQ(store->accessLog(0, 1).size(), 1u);
}

TYPED_TEST(StoreTest, TwoCollectorsIngestingOneTerminalStoreEachEventOnce) {
    // A terminal failing over between two collectors that share the database: the same and
    // overlapping batches arrive at both at once. Each event is stored and counted once.
    auto a = this->open();
    auto b = this->open();
    a->addTerminal(terminal("t1"));
    constexpr int kBatches = 40;
    constexpr uint32_t kPerBatch = 25;
    auto run = [&](Store& s, uint64_t offset) {
        for (int i = 0; i < kBatches; ++i) s.ingest(batch("t1", static_cast<uint64_t>(i) * kPerBatch + 1 + offset, kPerBatch));
    };
    std::thread ta(run, std::ref(*a), 0);
    std::thread tb(run, std::ref(*b), 10);
    ta.join();
    tb.join();
    const uint64_t last = kBatches * kPerBatch + 10;
    EXPECT_EQ(a->terminal("t1")->head_seq, last);
    EXPECT_EQ(b->events("t1", 0, 0, 100000).size(), last);
    EXPECT_EQ(a->compliance("2026-01-05", true).at(0).events, last);
}

double cpuSeconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Prints the ingest rate for 500-event batches, from one thread and from the server's two;
// asserts only a floor far below it so a busy machine does not fail the suite.
TYPED_TEST(StoreTest, IngestRateFor500EventBatches) {
    constexpr int kTerminals = 20;
    constexpr int kBatches = 200;
    constexpr uint32_t kPerBatch = 500;
    std::vector<IngestBatch> batches;
    for (int i = 0; i < kBatches; ++i) {
        IngestBatch b = batch("terminal-" + std::to_string(i % kTerminals),
                              static_cast<uint64_t>(i / kTerminals) * kPerBatch + 1, kPerBatch);
        for (size_t k = 0; k < b.events.size(); k += 50) {
            b.events[k].violation = true;
            b.events[k].control = v1::SOFTWARE;
        }
        batches.push_back(std::move(b));
    }
    for (const int threads : {1, 2}) {
        auto store = openStore(this->backend.newUrl());
        
        for (int t = 0; t < kTerminals; ++t) store->addTerminal(terminal("terminal-" + std::to_string(t)));
        std::atomic<uint64_t> stored{0};
        const double cpu_start = cpuSeconds();
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> workers;
        for (int w = 0; w < threads; ++w) {
            workers.emplace_back([&, w] {
                for (int i = w; i < kBatches; i += threads) stored += store->ingest(batches[i]).stored;
            });
        }
        for (auto& th : workers) th.join();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double cpu = cpuSeconds() - cpu_start;
        ASSERT_EQ(stored.load(), static_cast<uint64_t>(kBatches) * kPerBatch);
        const double rate = static_cast<double>(stored.load()) / secs;
        std::cout << "[ rate     ] " << TypeParam::kName << " ingest, " << threads << " thread(s): " << stored.load()
                  << " events in " << kBatches << " batches of " << kPerBatch << " in " << secs << " s = "
                  << static_cast<int64_t>(rate) << " events/s; CPU " << cpu * 1e6 / static_cast<double>(stored.load())
                  << " us/event\n";
        EXPECT_GT(rate, TypeParam::kRateFloor);
    }
}

// What only PostgreSQL has: a shared server where the database may hold someone else's tables.
TEST(PostgresStoreTest, ForeignOrNewerDatabasesAreRefusedAndCollectorsStartingTogetherShareTheSchema) {
    auto* server = mamori::test::PostgresServer::shared();
    if (!server) GTEST_SKIP() << mamori::test::PostgresServer::kSkipMessage;

    const std::string url = server->createDatabase();
    std::vector<std::thread> starters;
    std::atomic<int> failures{0};
    for (int i = 0; i < 3; ++i)
        starters.emplace_back([&] {
            try {
                openStore(url)->putSetting("k", "v");
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    for (auto& t : starters) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(openStore(url)->setting("k"), "v");

    server->exec(mamori::test::PostgresServer::databaseOf(url), "UPDATE mamori_meta SET value = '99' WHERE key = 'schema_version'");
    EXPECT_THROW(openStore(url), std::runtime_error);

    const std::string foreign = server->createDatabase();
    server->exec(mamori::test::PostgresServer::databaseOf(foreign), "CREATE TABLE x (a int)");
    EXPECT_THROW(openStore(foreign), std::runtime_error);
}

}  // namespace

TYPED_TEST(StoreTest, ConsoleSignInsCountFailuresInTheDatabaseAndKeepAPasswordSetMeanwhile) {
    auto store = this->open();
    store->addAdminUser({"tanaka", "security_admin", {}, "aa11"});
    store->putConsoleLogin({"tanaka", "$argon2id$first", 0, 0, kNow});
    auto other = this->open();  // a second collector on the same database
    for (int i = 0; i < 4; ++i) EXPECT_FALSE((i % 2 ? store : other)->failConsoleLogin("tanaka", 5, kNow + 900));
    EXPECT_EQ(store->consoleLogin("tanaka")->failed, 4);
    EXPECT_TRUE(other->failConsoleLogin("tanaka", 5, kNow + 900));
    EXPECT_EQ(store->consoleLogin("tanaka")->locked_until_unix, kNow + 900);
    EXPECT_EQ(store->consoleLogin("tanaka")->failed, 0);
    // A new password set while someone signs in stays: the sign-in only clears the count.
    store->failConsoleLogin("tanaka", 5, kNow + 900);
    other->putConsoleLogin({"tanaka", "$argon2id$second", 0, 0, kNow + 1});
    store->passConsoleLogin("tanaka");
    EXPECT_EQ(store->consoleLogin("tanaka")->password_hash, "$argon2id$second");
    EXPECT_FALSE(store->failConsoleLogin("nobody", 5, kNow + 900));
    EXPECT_FALSE(store->consoleLogin("nobody"));
}

TYPED_TEST(StoreTest, ConsoleSessionsEndIdleOrWithTheirAccount) {
    auto store = this->open();
    store->addConsoleSession({"h1", "tanaka", "c1", kNow, kNow});
    store->addConsoleSession({"h2", "tanaka", "c2", kNow, kNow + 600});
    store->addConsoleSession({"h3", "sato", "c3", kNow, kNow + 600});
    store->touchConsoleSession("h1", kNow + 10);
    store->touchConsoleSession("h1", kNow + 5);  // never backwards
    EXPECT_EQ(store->consoleSession("h1")->last_unix, kNow + 10);
    EXPECT_EQ(store->dropConsoleSessions(kNow + 100, ""), 1u);  // idle since before kNow + 100
    EXPECT_FALSE(store->consoleSession("h1"));
    EXPECT_EQ(store->dropConsoleSessions(0, "tanaka"), 1u);
    EXPECT_FALSE(store->consoleSession("h2"));
    EXPECT_EQ(this->open()->consoleSession("h3")->csrf, "c3");
    store->dropConsoleSession("h3");
    EXPECT_FALSE(store->consoleSession("h3"));
}
