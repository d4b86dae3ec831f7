#include <gtest/gtest.h>

#include "mamori/proto/BatchAuthenticator.h"
#include "mamori/proto/EventChain.h"

using namespace mamori::proto;
using mamori::v1::Event;
using mamori::v1::EventBody;
using Batch = google::protobuf::RepeatedPtrField<Event>;

namespace {

struct BatchAuthenticatorTest : ::testing::Test {
    Ed25519Key key = Ed25519Key::generate();
    BatchAuthenticator auth{"term-1", Ed25519Key::fromPublicRaw(key.publicRaw())};

    Batch make(int n, Ed25519Key signer) {
        EventChain chain(std::move(signer), {});
        Batch b;
        for (int i = 0; i < n; ++i) {
            EventBody body;
            body.set_terminal_id("term-1");
            body.set_type(mamori::v1::HEARTBEAT);
            *b.Add() = chain.append(body);
        }
        return b;
    }
    Batch make(int n) { return make(n, key); }

    // "A[1-3] R[4] A[5-6]": authentic stretches by seq, refused ones by batch index + 1.
    static std::string shape(const BatchAuthenticator::Split& s) {
        std::string out;
        for (const auto& st : s.stretches) {
            if (!out.empty()) out += " ";
            if (st.authentic)
                out += "A[" + std::to_string(st.bodies.front().seq()) + "-" + std::to_string(st.bodies.back().seq()) + "]";
            else
                out += "R[" + std::to_string(st.begin + 1) + "-" + std::to_string(st.end) + "]";
        }
        return out;
    }
    static void alterBody(Event& ev) {
        EventBody body;
        body.ParseFromString(ev.body());
        body.set_violation(!body.violation());
        ev.set_body(body.SerializeAsString());
    }
};

}  // namespace

TEST_F(BatchAuthenticatorTest, IntactBatchIsOneStretchForOneVerification) {
    const auto s = auth.split(make(500));
    EXPECT_EQ(shape(s), "A[1-500]");
    EXPECT_EQ(s.verifications, 1u);
}

TEST_F(BatchAuthenticatorTest, AlteredMiddleBodyCostsOnlyItself) {
    auto b = make(6);
    alterBody(b[2]);
    const auto s = auth.split(b);
    EXPECT_EQ(shape(s), "A[1-2] R[3-3] A[4-6]");
    EXPECT_NE(s.stretches[1].reason.find("altered"), std::string::npos);
    EXPECT_EQ(s.verifications, 2u);
}

TEST_F(BatchAuthenticatorTest, RehashedBodyIsRefusedForItsSignatureAndThePrefixSurvives) {
    auto b = make(6);
    alterBody(b[3]);
    b[3].set_hash(EventChain::linkHash(b[3].prev_hash(), b[3].body()));
    const auto s = auth.split(b);
    // Seq 1-4 link (seq 4's hash fits its new body); seq 4's signature fails, seq 3's holds.
    EXPECT_EQ(shape(s), "A[1-3] R[4-4] A[5-6]");
    EXPECT_NE(s.stretches[1].reason.find("signature"), std::string::npos);
}

TEST_F(BatchAuthenticatorTest, AlteredHeadLeavesTheRestProvedBackwards) {
    auto b = make(50);
    EventBody body;
    body.ParseFromString(b[49].body());
    body.set_seq(1'000'000);
    b[49].set_body(body.SerializeAsString());
    EXPECT_EQ(shape(auth.split(b)), "A[1-49] R[50-50]");
}

TEST_F(BatchAuthenticatorTest, ForeignKeyRefusesEverythingAfterTryingEachEventOnce) {
    const auto s = auth.split(make(4, Ed25519Key::generate()));
    EXPECT_EQ(shape(s), "R[1-4]");
    EXPECT_EQ(s.verifications, 4u);
}

TEST_F(BatchAuthenticatorTest, BodiesOfAnotherTerminalOrUnparsableAreRefusedWithTheirReason) {
    auto b = make(3);
    b[0].set_body("\xff\xff not protobuf");
    EventBody other;
    other.ParseFromString(b[2].body());
    other.set_terminal_id("term-2");
    b[2].set_body(other.SerializeAsString());
    b[2].set_hash(EventChain::linkHash(b[2].prev_hash(), b[2].body()));
    b[2].set_signature(key.sign(b[2].hash()));
    const auto s = auth.split(b);
    EXPECT_EQ(shape(s), "R[1-1] A[2-2] R[3-3]");
    EXPECT_NE(s.stretches[0].reason.find("not a valid event"), std::string::npos);
    EXPECT_NE(s.stretches[2].reason.find("term-2"), std::string::npos);
}

TEST_F(BatchAuthenticatorTest, TwoSignedRunsThatDoNotLinkStayApart) {
    // The terminal itself forked: both halves are its own, so both are authentic.
    auto first = make(3);
    EventChain other(key, {2, first[1].hash()});
    EventBody body;
    body.set_terminal_id("term-1");
    Batch b = first;
    *b.Add() = other.append(body);  // a second seq 3
    *b.Add() = other.append(body);
    EXPECT_EQ(shape(auth.split(b)), "A[1-3] A[3-4]");
}

TEST_F(BatchAuthenticatorTest, EmptyBatchHasNoStretches) {
    EXPECT_TRUE(auth.split(Batch{}).stretches.empty());
}
