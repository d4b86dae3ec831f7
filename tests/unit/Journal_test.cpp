#include "agent/Journal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mamori/common/SqliteDb.h"
#include "mamori/proto/ChainVerifier.h"

using mamori::agent::Journal;
using mamori::proto::ChainHead;
using mamori::proto::ChainVerifier;
using mamori::proto::Continuation;
using mamori::proto::Ed25519Key;
using mamori::v1::Event;
using mamori::v1::EventBody;
using Batch = google::protobuf::RepeatedPtrField<Event>;
namespace fs = std::filesystem;

namespace {

struct JournalTest : ::testing::Test {
    fs::path dir;
    fs::path db;
    Ed25519Key key = Ed25519Key::generate();
    ChainVerifier verifier{"term-1", Ed25519Key::fromPublicRaw(key.publicRaw())};

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "mamori-journal-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
        db = dir / "state" / "journal.db";  // the parent does not exist yet
    }
    void TearDown() override { fs::remove_all(dir); }

    static EventBody body(int i, size_t pad = 0) {
        EventBody b;
        b.set_terminal_id("term-1");
        b.set_type(mamori::v1::HEARTBEAT);
        b.set_control(mamori::v1::AGENT);
        b.set_utc_ns(1'700'000'000'000'000'000 + i);
        b.set_boot_id("boot-a");
        b.mutable_agent()->set_reason(std::string(pad, 'x'));
        return b;
    }

    static EventBody parse(const Event& ev) {
        EventBody b;
        EXPECT_TRUE(b.ParseFromString(ev.body()));
        return b;
    }

    static Batch batch(const std::vector<Event>& v) {
        Batch b;
        for (const auto& e : v) *b.Add() = e;
        return b;
    }

    static std::vector<EventBody> gaps(const std::vector<Event>& v) {
        std::vector<EventBody> out;
        for (const auto& e : v)
            if (auto b = parse(e); b.type() == mamori::v1::JOURNAL_GAP) out.push_back(b);
        return out;
    }
};

}  // namespace

TEST_F(JournalTest, AppendPendingAcknowledge) {
    Journal j(db, key, 1 << 20);
    for (int i = 1; i <= 10; ++i) {
        Event ev = j.append(body(i));
        EXPECT_EQ(parse(ev).seq(), uint64_t(i));
    }
    auto first = j.pending(4);
    ASSERT_EQ(first.size(), 4u);
    for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(parse(first[i]).seq(), i + 1);
    EXPECT_EQ(j.pending(100).size(), 10u);
    EXPECT_TRUE(j.pending(0).empty());

    auto s = j.stats();
    EXPECT_EQ(s.depth, 10u);
    EXPECT_EQ(s.head_seq, 10u);
    EXPECT_EQ(s.acked_seq, 0u);
    EXPECT_GT(s.bytes, 10u * 128);

    j.acknowledge(4);
    s = j.stats();
    EXPECT_EQ(s.depth, 6u);
    EXPECT_EQ(s.acked_seq, 4u);
    EXPECT_EQ(parse(j.pending(1).at(0)).seq(), 5u);

    j.acknowledge(2);  // late duplicate: never moves backwards
    EXPECT_EQ(j.stats().acked_seq, 4u);
    j.acknowledge(11);  // beyond the head: ignored, nothing deleted
    EXPECT_EQ(j.stats().acked_seq, 4u);
    EXPECT_EQ(j.stats().depth, 6u);

    j.acknowledge(10);
    s = j.stats();
    EXPECT_EQ(s.depth, 0u);
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(s.acked_seq, 10u);
    EXPECT_TRUE(j.pending(100).empty());
}

TEST_F(JournalTest, ChainVerifiesAcrossPendingBatches) {
    Journal j(db, key, 1 << 20);
    for (int i = 1; i <= 25; ++i) j.append(body(i));
    ChainHead head;
    size_t seen = 0;
    for (auto v = j.pending(7); !v.empty(); v = j.pending(7)) {
        auto r = verifier.check(batch(v), head);
        ASSERT_TRUE(r.ok()) << r.detail;
        EXPECT_EQ(r.continuation, Continuation::Next);
        EXPECT_TRUE(verifier.checkAll(batch(v), head).ok());
        head = {r.bodies.back().seq(), v.back().hash()};
        seen += v.size();
        j.acknowledge(head.seq);
    }
    EXPECT_EQ(seen, 25u);
    EXPECT_EQ(j.head().seq, head.seq);
    EXPECT_EQ(j.head().hash, head.hash);
}

TEST_F(JournalTest, HeadSurvivesReopenAndFullAcknowledgement) {
    ChainHead head;
    {
        Journal j(db, key, 1 << 20);
        for (int i = 1; i <= 5; ++i) j.append(body(i));
        head = j.head();
    }
    {
        Journal j(db, key, 1 << 20);
        EXPECT_EQ(j.head().seq, 5u);
        EXPECT_EQ(j.head().hash, head.hash);
        EXPECT_EQ(j.stats().depth, 5u);
        Event ev = j.append(body(6));
        EXPECT_EQ(parse(ev).seq(), 6u);
        EXPECT_EQ(ev.prev_hash(), head.hash);
        j.acknowledge(6);
        head = j.head();
    }
    {
        // Every event is gone: the head must still come from the file.
        Journal j(db, key, 1 << 20);
        auto s = j.stats();
        EXPECT_EQ(s.depth, 0u);
        EXPECT_EQ(s.head_seq, 6u);
        EXPECT_EQ(s.acked_seq, 6u);
        EXPECT_EQ(j.head().hash, head.hash);
        Event ev = j.append(body(7));
        EXPECT_EQ(parse(ev).seq(), 7u);
        auto r = verifier.checkAll(batch({ev}), head);
        ASSERT_TRUE(r.ok()) << r.detail;
        EXPECT_EQ(r.continuation, Continuation::Next);
    }
}

TEST_F(JournalTest, CapDropsOldestAndWritesOneGapInTheChain) {
    const uint64_t cap = 8192;
    Journal j(db, key, cap);
    Event last;
    int i = 0;
    while (gaps(j.pending(1000)).empty()) {
        last = j.append(body(++i, 100));
        ASSERT_LT(i, 1000);
    }
    auto v = j.pending(1000);
    auto g = gaps(v);
    ASSERT_EQ(g.size(), 1u);
    const EventBody& gap = g[0];
    // The gap sits just before the event whose append forced the drop.
    EXPECT_EQ(gap.seq() + 1, parse(last).seq());
    EXPECT_EQ(parse(v.back()).seq(), parse(last).seq());
    EXPECT_EQ(gap.control(), mamori::v1::EVIDENCE);
    EXPECT_TRUE(gap.violation());
    EXPECT_EQ(gap.terminal_id(), "term-1");
    EXPECT_EQ(gap.gap().reason(), "journal full");
    EXPECT_EQ(gap.gap().first_lost_seq(), 1u);
    EXPECT_EQ(gap.gap().last_lost_seq() + 1, parse(v.front()).seq());
    EXPECT_LE(j.stats().bytes, cap);
    EXPECT_EQ(j.stats().depth, v.size());

    // The gap record is a link like any other: the held events verify as one chain, which
    // the collector sees continue from its empty head after a gap.
    auto r = verifier.checkAll(batch(v), {});
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.continuation, Continuation::Gap);
    EXPECT_EQ(r.bodies.back().seq(), j.head().seq);
}

TEST_F(JournalTest, GapStartsAfterTheAcknowledgedSeq) {
    const uint64_t cap = 8192;
    Journal j(db, key, cap);
    for (int i = 1; i <= 10; ++i) j.append(body(i, 100));
    j.acknowledge(7);
    int i = 10;
    while (gaps(j.pending(1000)).empty()) {
        j.append(body(++i, 100));
        ASSERT_LT(i, 1000);
    }
    auto g = gaps(j.pending(1000));
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0].gap().first_lost_seq(), 8u);
}

TEST_F(JournalTest, SustainedOverflowKeepsGapRecordsFewAndTheNewestCoversAllLoss) {
    const uint64_t cap = 16384;
    Journal j(db, key, cap);
    for (int i = 1; i <= 500; ++i) {  // ~7 times the cap
        j.append(body(i, 100));
        ASSERT_LE(j.stats().bytes, cap);
    }
    auto v = j.pending(100000);
    auto g = gaps(v);
    ASSERT_FALSE(g.empty());
    // The drop headroom (cap/16) bounds how many gap records the journal can hold.
    EXPECT_LE(g.size(), 17u);
    EXPECT_EQ(g.back().gap().first_lost_seq(), 1u);
    EXPECT_EQ(g.back().gap().last_lost_seq() + 1, parse(v.front()).seq());
    auto r = verifier.checkAll(batch(v), {});
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.bodies.back().seq(), j.head().seq);
}

TEST_F(JournalTest, EventLargerThanTheCapIsStillStored) {
    Journal j(db, key, 512);
    j.append(body(1));
    Event big = j.append(body(2, 2000));
    auto v = j.pending(10);
    ASSERT_EQ(v.size(), 2u);  // the gap for seq 1, then the event
    EXPECT_EQ(gaps(v).at(0).gap().last_lost_seq(), 1u);
    EXPECT_EQ(v.back().hash(), big.hash());
    EXPECT_TRUE(verifier.checkAll(batch(v), {}).ok());
}

TEST_F(JournalTest, FilesAreOwnerOnly) {
    {
        Journal j(db, key, 1 << 20);
        j.append(body(1));
        struct stat st {};
        ASSERT_EQ(stat(db.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        fs::path wal = db;
        wal += "-wal";
        ASSERT_EQ(stat(wal.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
    }
    // A journal left readable by others is tightened on open.
    fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
    Journal j(db, key, 1 << 20);
    struct stat st {};
    ASSERT_EQ(stat(db.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(j.head().seq, 1u);
}

TEST_F(JournalTest, ErrorsNameThePath) {
    fs::create_directories(db.parent_path());
    std::ofstream(db) << "this is not a database, it is a text file long enough to have a header........";
    try {
        Journal j(db, key, 1 << 20);
        FAIL() << "opened a file that is not a journal";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(db.string()), std::string::npos) << e.what();
    }
}

namespace {

// A policy's smaller cap (reporting.journal_max_bytes) takes effect at the next append: the
// oldest go, with a gap record, and nothing is lost before that.
TEST_F(JournalTest, SmallerCapTakesEffectAtTheNextAppend) {
    Journal j(db, key, 1ull << 20);
    for (int i = 1; i <= 100; ++i) j.append(body(i, 100));
    const uint64_t before = j.stats().depth;
    ASSERT_EQ(before, 100u);
    j.setCap(4096);
    EXPECT_EQ(j.cap(), 4096u);
    EXPECT_EQ(j.stats().depth, before) << "changing the cap drops nothing by itself";
    j.append(body(101, 100));
    auto v = j.pending(1000);
    auto g = gaps(v);
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0].gap().first_lost_seq(), 1u);
    EXPECT_EQ(g[0].gap().last_lost_seq() + 1, parse(v.front()).seq());
    EXPECT_EQ(parse(v.back()).seq(), 102u);  // the gap is 101, the new event 102
    EXPECT_LE(j.stats().bytes, 4096u);
    EXPECT_TRUE(verifier.checkAll(batch(v), {}).ok());

    j.setCap(1ull << 20);  // larger again: nothing more is dropped
    for (int i = 102; i <= 110; ++i) j.append(body(i, 100));
    EXPECT_EQ(gaps(j.pending(1000)).size(), 1u);
}

}  // namespace

// btmp's read position goes in with the event reporting what was read, and stays when that
// event is acknowledged and deleted: it says how far the agent got, not what is pending.
TEST_F(JournalTest, ACursorIsStoredWithItsEventAndOutlivesTheEvent) {
    {
        Journal j(db, key, 1 << 20);
        EXPECT_EQ(j.cursor("btmp"), std::nullopt);
        j.append(body(1), Journal::Cursor{"btmp", "2049 77 384 1"});
        j.append(body(2));  // no cursor: the last one stands
        EXPECT_EQ(j.cursor("btmp"), "2049 77 384 1");
        j.append(body(3), Journal::Cursor{"btmp", "2049 77 768 2"});
        j.acknowledge(3);
        EXPECT_EQ(j.stats().depth, 0u);
        EXPECT_EQ(j.cursor("btmp"), "2049 77 768 2");
        EXPECT_EQ(j.cursor("other"), std::nullopt);
    }
    Journal j(db, key, 1 << 20);
    EXPECT_EQ(j.cursor("btmp"), "2049 77 768 2");
}

// A journal an older agent wrote (no cursors) opens with none, and keeps its events; the table
// added leaves the schema version as it was, so that package can still open the journal.
TEST_F(JournalTest, AJournalWithoutCursorsGainsThem) {
    {
        Journal j(db, key, 1 << 20);
        j.append(body(1));
    }
    {
        mamori::common::SqliteDb raw(db.string(), mamori::common::SqliteDb::Access::ReadWrite);
        raw.exec("DROP TABLE cursors");
        auto version = raw.prepare("PRAGMA user_version");
        ASSERT_TRUE(version.step());
        EXPECT_EQ(version.columnInt(0), 2);
    }
    Journal j(db, key, 1 << 20);
    EXPECT_EQ(j.stats().depth, 1u);
    EXPECT_EQ(j.cursor("btmp"), std::nullopt);
    j.append(body(2), Journal::Cursor{"btmp", "1 2 384 1"});
    EXPECT_EQ(j.cursor("btmp"), "1 2 384 1");
}
