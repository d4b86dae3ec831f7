#include <gtest/gtest.h>

#include "mamori/common/Files.h"
#include "mamori/proto/ChainVerifier.h"
#include "mamori/proto/EventChain.h"
#include "mamori/proto/Sha256.h"

using namespace mamori::proto;
using mamori::v1::Event;
using mamori::v1::EventBody;
using Batch = google::protobuf::RepeatedPtrField<Event>;

namespace {

struct ChainFixture : ::testing::Test {
    Ed25519Key key = Ed25519Key::generate();
    ChainVerifier verifier{"term-1", Ed25519Key::fromPublicRaw(key.publicRaw())};

    Batch make(EventChain& chain, int n) {
        Batch b;
        for (int i = 0; i < n; ++i) {
            EventBody body;
            body.set_terminal_id("term-1");
            body.set_type(mamori::v1::HEARTBEAT);
            body.set_utc_ns(1'700'000'000'000'000'000 + i);
            *b.Add() = chain.append(body);
        }
        return b;
    }
};

}  // namespace

TEST_F(ChainFixture, ValidChainOfTenThousandVerifies) {
    EventChain chain(key, {});
    Batch b = make(chain, 10000);
    auto r = verifier.check(b, {});
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.continuation, Continuation::Next);
    EXPECT_EQ(r.bodies.size(), 10000u);
    EXPECT_EQ(r.bodies.back().seq(), 10000u);
    EXPECT_TRUE(verifier.checkAll(b, {}).ok());
}

TEST_F(ChainFixture, BatchContinuesFromStoredHead) {
    EventChain chain(key, {});
    Batch first = make(chain, 5);
    ChainHead head = chain.head();
    Batch second = make(chain, 5);
    auto r = verifier.check(second, head);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.continuation, Continuation::Next);
}

TEST_F(ChainFixture, FlippedByteIsDetectedInEveryField) {
    EventChain chain(key, {});
    Batch good = make(chain, 20);
    for (auto field : {0, 1, 2}) {
        Batch b = good;
        std::string* s = field == 0 ? b[7].mutable_body() : field == 1 ? b[7].mutable_prev_hash() : b[7].mutable_hash();
        (*s)[s->size() / 2] ^= 0x01;
        auto r = verifier.check(b, {});
        EXPECT_FALSE(r.ok()) << "field " << field;
        EXPECT_TRUE(r.fault == ChainFault::BrokenChain || r.fault == ChainFault::Malformed) << "field " << field;
        EXPECT_LE(r.index, 8u);
    }
    Batch b = good;
    (*b[19].mutable_signature())[3] ^= 0x40;
    EXPECT_EQ(verifier.check(b, {}).fault, ChainFault::BadSignature);
}

TEST_F(ChainFixture, DroppedEventIsDetected) {
    EventChain chain(key, {});
    Batch b = make(chain, 10);
    b.DeleteSubrange(4, 1);
    auto r = verifier.check(b, {});
    EXPECT_EQ(r.fault, ChainFault::BrokenChain);
    EXPECT_EQ(r.index, 4u);
}

TEST_F(ChainFixture, DroppedBatchIsAGap) {
    EventChain chain(key, {});
    Batch first = make(chain, 3);
    ChainHead head = chain.head();
    make(chain, 3);  // lost in transit
    Batch third = make(chain, 3);
    auto r = verifier.check(third, head);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.continuation, Continuation::Gap);
}

TEST_F(ChainFixture, ReorderedPairIsDetected) {
    EventChain chain(key, {});
    Batch b = make(chain, 10);
    b.SwapElements(3, 4);
    auto r = verifier.check(b, {});
    EXPECT_EQ(r.fault, ChainFault::BrokenChain);
    EXPECT_EQ(r.index, 3u);
}

TEST_F(ChainFixture, ReplayedBatchIsRecognised) {
    EventChain chain(key, {});
    Batch b = make(chain, 10);
    auto r = verifier.check(b, chain.head());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.continuation, Continuation::Replay);
}

TEST_F(ChainFixture, WrongKeyIsDetected) {
    Ed25519Key other = Ed25519Key::generate();
    EventChain chain(other, {});
    Batch b = make(chain, 10);
    EXPECT_EQ(verifier.check(b, {}).fault, ChainFault::BadSignature);
    EXPECT_EQ(verifier.checkAll(b, {}).index, 0u);
}

TEST_F(ChainFixture, RewrittenHistoryWithRecomputedHashesIsAFork) {
    EventChain chain(key, {});
    make(chain, 5);
    ChainHead head = chain.head();
    EventChain forged(key, ChainHead{5, Sha256::of("something else")});
    Batch b = make(forged, 2);
    auto r = verifier.check(b, head);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.continuation, Continuation::Fork);
}

TEST_F(ChainFixture, AnotherTerminalsEventIsRefused) {
    EventChain chain(key, {});
    EventBody body;
    body.set_terminal_id("term-2");
    Batch b;
    *b.Add() = chain.append(body);
    EXPECT_EQ(verifier.check(b, {}).fault, ChainFault::WrongTerminal);
}

TEST(Ed25519Key, PrivateKeyFileIsOwnerOnly) {
    auto dir = std::filesystem::temp_directory_path() / ("mamori-key-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto k = Ed25519Key::generate();
    mamori::common::Files::writeSecret(dir / "key.pem", k.privatePem());
    auto perms = std::filesystem::status(dir / "key.pem").permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto back = Ed25519Key::fromPrivatePem(mamori::common::Files::read(dir / "key.pem"));
    EXPECT_EQ(back.publicRaw(), k.publicRaw());
    EXPECT_TRUE(back.verify("m", k.sign("m")));
    EXPECT_THROW(Ed25519Key::fromPrivatePem("garbage"), std::invalid_argument);
    std::filesystem::remove_all(dir);
}

TEST_F(ChainFixture, SeqBeyondSignedRangeIsMalformed) {
    // A correctly signed and linked chain whose seq no store can hold: refused as malformed
    // (HTTP 400 at the collector), never handed to the store.
    const ChainHead near_end{static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), std::string(32, 'h')};
    EventChain chain(key, near_end);
    Batch b = make(chain, 1);
    auto r = verifier.check(b, near_end);
    EXPECT_EQ(r.fault, ChainFault::Malformed);
    EXPECT_NE(r.detail.find("2^63"), std::string::npos) << r.detail;
}
