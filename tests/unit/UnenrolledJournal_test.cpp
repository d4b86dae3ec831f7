// Events journaled before enrollment move into the enrolled terminal's journal: same bodies and
// times, the terminal's id, a fresh chain the collector accepts; and an agent killed at any step
// of the move finishes it at its next start with nothing lost and nothing doubled.
#include "agent/UnenrolledJournal.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agent/Journal.h"
#include "mamori/proto/ChainVerifier.h"

using mamori::agent::Journal;
using mamori::agent::UnenrolledJournal;
using mamori::proto::ChainVerifier;
using mamori::proto::Ed25519Key;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kCap = 1 << 20;

struct UnenrolledJournalTest : ::testing::Test {
    fs::path dir;
    Ed25519Key key = Ed25519Key::generate();

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "mamori-adopt-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
    }
    void TearDown() override { fs::remove_all(dir); }

    // n events as an unenrolled agent journals them, with their times.
    void journalUnenrolled(int n) {
        Journal j(dir / "journal.db", key, kCap);
        for (int i = 1; i <= n; ++i) {
            mamori::v1::EventBody b;
            b.set_terminal_id("unenrolled");
            b.set_type(mamori::v1::HEARTBEAT);
            b.set_utc_ns(1'000'000 * i);
            j.append(b);
        }
    }

    // The journal.db events, checked as the collector checks a batch from seq 1.
    std::vector<mamori::v1::EventBody> adopted(const std::string& terminal) {
        Journal j(dir / "journal.db", key, kCap);
        google::protobuf::RepeatedPtrField<mamori::v1::Event> batch;
        std::vector<mamori::v1::EventBody> out;
        for (const auto& e : j.pending(1000)) {
            *batch.Add() = e;
            out.emplace_back().ParseFromString(e.body());
        }
        ChainVerifier verifier(terminal, Ed25519Key::fromPublicRaw(key.publicRaw()));
        EXPECT_TRUE(verifier.checkAll(batch, {}).ok());
        return out;
    }

    bool leftovers() const {
        return fs::exists(dir / "journal.unenrolled.db") || fs::exists(dir / "journal.adopt.db");
    }
};

TEST_F(UnenrolledJournalTest, EventsBeforeEnrollmentReportUnderTheTerminalsIdInAFreshChain) {
    journalUnenrolled(3);
    EXPECT_EQ(UnenrolledJournal::adopt(dir, key, kCap, "pc-001"), 3u);
    auto events = adopted("pc-001");
    ASSERT_EQ(events.size(), 3u);
    for (size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].terminal_id(), "pc-001");
        EXPECT_EQ(events[i].seq(), i + 1);
        EXPECT_EQ(events[i].utc_ns(), static_cast<int64_t>(1'000'000 * (i + 1)));  // their own times
    }
    EXPECT_FALSE(leftovers());
    EXPECT_EQ(UnenrolledJournal::adopt(dir, key, kCap, "pc-001"), 0u) << "done once";
    EXPECT_EQ(adopted("pc-001").size(), 3u);
}

TEST_F(UnenrolledJournalTest, KilledDuringTheCopyItStartsTheCopyAgain) {
    journalUnenrolled(4);
    fs::rename(dir / "journal.db", dir / "journal.unenrolled.db");  // step 1 done
    std::ofstream(dir / "journal.adopt.db") << "half a copy";      // step 2 cut short
    EXPECT_EQ(UnenrolledJournal::adopt(dir, key, kCap, "pc-002"), 4u);
    EXPECT_EQ(adopted("pc-002").size(), 4u);
    EXPECT_FALSE(leftovers());
}

TEST_F(UnenrolledJournalTest, KilledAfterTheSwapItOnlyRemovesTheOldFile) {
    journalUnenrolled(2);
    EXPECT_EQ(UnenrolledJournal::adopt(dir, key, kCap, "pc-003"), 2u);
    std::ofstream(dir / "journal.unenrolled.db") << "the old events";  // as a kill before step 4 leaves it
    EXPECT_EQ(UnenrolledJournal::adopt(dir, key, kCap, "pc-003"), 0u);
    EXPECT_FALSE(leftovers());
    EXPECT_EQ(adopted("pc-003").size(), 2u) << "nothing doubled";
}

TEST_F(UnenrolledJournalTest, AJournalOfThisTerminalIsLeftAlone) {
    {
        Journal j(dir / "journal.db", key, kCap);
        mamori::v1::EventBody b;
        b.set_terminal_id("pc-004");
        j.append(b);
    }
    EXPECT_EQ(UnenrolledJournal::adopt(dir, key, kCap, "pc-004"), 0u);
    EXPECT_EQ(adopted("pc-004").size(), 1u);
}

}  // namespace
