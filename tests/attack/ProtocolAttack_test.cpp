// Attacks by clients that speak the agent protocol (protobuf over mutual TLS, signed events):
// a stolen or reused enrollment token, a terminal posting for another, a replayed batch,
// malformed protobuf. Each test ends by proving that an honest terminal still delivers exactly
// once, that memory stayed bounded and that the process is up.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "AttackedCollector.h"

using namespace mamori::test;

namespace {

class ProtocolAttack : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        target = std::make_unique<AttackedCollector>("protocol", "");
        target->start();
    }
    static void TearDownTestSuite() { target.reset(); }
    void SetUp() override {
        if (!target->collector().running()) GTEST_SKIP() << "the collector died in an earlier test";
    }
    static size_t terminalCount() { return target->collector().admin("/admin/v1/terminals").at("rows").as_array().size(); }

    static inline std::unique_ptr<AttackedCollector> target;
};

TEST_F(ProtocolAttack, AnEnrollmentTokenWorksOnce) {
    const std::string token = target->collector().token();
    const size_t before = terminalCount();
    SimulatedTerminal first(target->collector().agentUrl(), target->caPem());
    ASSERT_EQ(first.enroll(token, "pc-first").status, 200u);
    for (int i = 0; i < 3; ++i) {
        SimulatedTerminal again(target->collector().agentUrl(), target->caPem());
        const auto res = again.enroll(token, "pc-again-" + std::to_string(i));
        EXPECT_EQ(res.status, 403u) << res.body;
        EXPECT_TRUE(again.id().empty());
    }
    EXPECT_EQ(terminalCount(), before + 1);
    target->expectSurvived();
}

TEST_F(ProtocolAttack, ATerminalCannotPostForAnother) {
    auto attacker = target->enrollTerminal("pc-attacker");
    // Events claiming the honest terminal, chained and signed with the attacker's own key, sent
    // with the attacker's valid certificate.
    mamori::v1::EventBatch batch;
    batch.set_terminal_id(target->honest().id());
    for (int i = 0; i < 4; ++i) {
        mamori::v1::EventBody body;
        body.set_terminal_id(target->honest().id());
        body.set_type(mamori::v1::HEARTBEAT);
        body.set_control(mamori::v1::AGENT);
        body.set_utc_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
        *batch.add_events() = attacker->chain().append(body);
    }
    const auto res = attacker->send(batch);
    EXPECT_EQ(res.status, 403u) << res.body;
    // The honest terminal's evidence is exactly what it sent, nothing added.
    target->expectStoredExactlyOnce(target->honest(), target->honestSent());
    EXPECT_TRUE(target->collector().seqs(attacker->id()).empty());
    target->expectSurvived();
}

TEST_F(ProtocolAttack, AReplayedBatchIsStoredOnce) {
    auto t = target->enrollTerminal("pc-replayed");
    const auto batch = t->batch(7);
    for (int i = 0; i < 5; ++i) {
        const auto res = t->send(batch);
        ASSERT_EQ(res.status, 200u) << res.body;
        mamori::v1::EventAck ack;
        ASSERT_TRUE(ack.ParseFromString(res.body));
        EXPECT_EQ(ack.stored(), i == 0 ? 7u : 0u);
        EXPECT_EQ(ack.duplicates(), i == 0 ? 0u : 7u);
        EXPECT_EQ(ack.acked_seq(), 7u);
    }
    target->expectStoredExactlyOnce(*t, 7);
    // The same bytes replayed by another terminal, under its own certificate, are not its own.
    auto other = target->enrollTerminal("pc-replayer");
    EXPECT_EQ(other->send(batch).status, 403u);
    EXPECT_TRUE(target->collector().seqs(other->id()).empty());
    target->expectStoredExactlyOnce(*t, 7);
    target->expectSurvived();
}

TEST_F(ProtocolAttack, MalformedProtobufIsRefusedWith400) {
    auto t = target->enrollTerminal("pc-garbage");
    const std::string honest_bytes = t->batch(3).SerializeAsString();
    for (const std::string& body : {std::string("\xff\xff\xff\xff garbage", 12),
                                    honest_bytes.substr(0, honest_bytes.size() / 2),  // cut mid-field
                                    std::string(4096, '\x0a')}) {
        const auto res = t->postAuthenticated("/v1/events", body);
        EXPECT_EQ(res.status, 400u) << res.body;
    }
    const auto sync = t->postAuthenticated("/v1/sync", std::string("\x0a\xff\xff\xff\xff\x0f", 6));
    EXPECT_EQ(sync.status, 400u) << sync.body;
    EXPECT_TRUE(target->logged("malformed batch")) << target->collector().logText();
    EXPECT_TRUE(target->collector().seqs(t->id()).empty());
    target->expectSurvived();
}

}  // namespace
