// The collector's agent endpoint under honest and hostile clients, over real TLS on loopback.
// Each case asserts the exact outcome, that the refusal is logged, and that the collector stays up.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <thread>

#include "tests/support/SimulatedTerminal.h"
#include "CollectorOnEachStore.h"
#include "tests/support/TestCollector.h"
#include "collector/CertificateAuthority.h"
#include "collector/Store.h"

using namespace mamori::test;
using mamori::common::Files;

namespace {

class AgentEndpoint : public CollectorOnEachStore {
protected:
    AgentEndpoint() : CollectorOnEachStore("endpoint", "request_timeout_seconds = 2\nmax_body_bytes = 65536\n") {}
    void SetUp() override {
        CollectorOnEachStore::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ca_pem = Files::read(dir / "collector" / "ca.pem");
        terminal = std::make_unique<SimulatedTerminal>(collector->agentUrl(), ca_pem);
        ASSERT_EQ(terminal->enroll(collector->token("市民課"), "term-a").status, 200u);
    }
    void TearDown() override {
        // Whatever a case did, the collector must still be serving.
        if (collector) EXPECT_TRUE(TestCollector::connectable(collector->agentPort())) << collector->logText();
        CollectorOnEachStore::TearDown();
    }
    bool logged(const std::string& needle) {
        return waitFor([&] { return collector->logText().find(needle) != std::string::npos; },
                       std::chrono::seconds(5));
    }
    uint64_t storedCount(const std::string& id) { return collector->seqs(id).size(); }

    std::string ca_pem;
    std::unique_ptr<SimulatedTerminal> terminal;
};

}  // namespace

TEST_P(AgentEndpoint, HonestBatchIsStoredAndAcknowledged) {
    auto res = terminal->send(terminal->batch(10));
    ASSERT_EQ(res.status, 200u) << res.body;
    mamori::v1::EventAck ack;
    ASSERT_TRUE(ack.ParseFromString(res.body));
    EXPECT_EQ(ack.acked_seq(), 10u);
    EXPECT_EQ(ack.stored(), 10u);
    EXPECT_EQ(storedCount(terminal->id()), 10u);
}

TEST_P(AgentEndpoint, NoClientCertificateIsRefused) {
    auto tls = mamori::common::HttpsClient::context(ca_pem);
    auto res = terminal->post(*tls, "/v1/events", terminal->batch(1).SerializeAsString());
    EXPECT_EQ(res.status, 401u);
    EXPECT_TRUE(logged("without a client certificate"));
    EXPECT_EQ(storedCount(terminal->id()), 0u);
}

TEST_P(AgentEndpoint, CertificateFromAnotherCaIsRefusedAtHandshake) {
    auto other = mamori::collector::CertificateAuthority::create(dir / "other-ca", "elsewhere");
    auto key = mamori::proto::Ed25519Key::generate();
    auto csr = mamori::proto::CertificateRequest::parse(mamori::proto::CertificateRequest::create(key, "term-a"));
    auto tls = mamori::common::HttpsClient::context(ca_pem, other.issueClient(csr, terminal->id(), 30), key.privatePem());
    EXPECT_THROW(terminal->post(*tls, "/v1/events", terminal->batch(1).SerializeAsString()),
                 std::runtime_error);
    EXPECT_TRUE(logged("TLS handshake from 127.0.0.1 refused"));
    EXPECT_EQ(storedCount(terminal->id()), 0u);
}

TEST_P(AgentEndpoint, ExpiredCertificateIsRefusedAtHandshake) {
    auto ca = mamori::collector::CertificateAuthority::load(dir / "collector");
    auto csr = mamori::proto::CertificateRequest::parse(
        mamori::proto::CertificateRequest::create(terminal->key(), terminal->id()));
    auto tls = mamori::common::HttpsClient::context(ca_pem, ca.issueClient(csr, terminal->id(), -1),
                                                   terminal->key().privatePem());
    EXPECT_THROW(terminal->post(*tls, "/v1/events", terminal->batch(1).SerializeAsString()),
                 std::runtime_error);
    EXPECT_TRUE(logged("certificate has expired"));
    EXPECT_EQ(storedCount(terminal->id()), 0u);
}

TEST_P(AgentEndpoint, ReusedTokenIsRefused) {
    std::string token = collector->token();
    SimulatedTerminal b(collector->agentUrl(), ca_pem), c(collector->agentUrl(), ca_pem);
    EXPECT_EQ(b.enroll(token, "term-b").status, 200u);
    EXPECT_EQ(c.enroll(token, "term-c").status, 403u);
    EXPECT_TRUE(logged("token unknown, used or expired"));
}

TEST_P(AgentEndpoint, ExpiredTokenIsRefused) {
    auto token = mamori::proto::EnrollmentToken::generate(
        mamori::proto::Certificate::fromPem(ca_pem).fingerprint());
    auto store = mamori::collector::openStore(storeUrl());
    store->addEnrollToken({token.secretHash(), "default", std::time(nullptr) - 1, "test"});
    SimulatedTerminal b(collector->agentUrl(), ca_pem);
    EXPECT_EQ(b.enroll(token.str(), "term-b").status, 403u);
    EXPECT_TRUE(logged("refused: token unknown, used or expired"));
}

TEST_P(AgentEndpoint, PostingForAnotherTerminalIsRefused) {
    SimulatedTerminal other(collector->agentUrl(), ca_pem);
    ASSERT_EQ(other.enroll(collector->token(), "term-b").status, 200u);
    auto batch = other.batch(3);  // term-b's events ...
    auto res = terminal->send(batch);  // ... sent with term-a's certificate
    EXPECT_EQ(res.status, 403u);
    EXPECT_TRUE(logged("batch names terminal 'term-b' but the certificate is 'term-a'"));
    EXPECT_EQ(storedCount("term-b"), 0u);
}

TEST_P(AgentEndpoint, ModifiedEventIsRecordedAsTamperingAndNotStored) {
    auto batch = terminal->batch(5);
    mamori::v1::EventBody body;
    body.ParseFromString(batch.events(2).body());
    body.set_type(mamori::v1::USB_ALLOWED);  // rewrite history
    batch.mutable_events(2)->set_body(body.SerializeAsString());
    auto res = terminal->send(batch);
    ASSERT_EQ(res.status, 200u);
    mamori::v1::EventAck ack;
    ack.ParseFromString(res.body);
    EXPECT_NE(ack.warning().find("broken chain"), std::string::npos);
    EXPECT_EQ(storedCount(terminal->id()), 0u);
    EXPECT_TRUE(logged("evidence violation on term-a: broken-chain seq 1-5"));
    // The tampering is a violation today, and the next honest batch is still taken.
    auto today = collector->admin("/admin/v1/violations?date=today&control=evidence");
    ASSERT_EQ(today.at("rows").as_array().size(), 1u);
    ASSERT_EQ(terminal->send(terminal->batch(2)).status, 200u);
    EXPECT_EQ(storedCount(terminal->id()), 2u);
}

TEST_P(AgentEndpoint, BatchSignedByAnotherKeyIsRefused) {
    mamori::proto::EventChain forged(mamori::proto::Ed25519Key::generate(), {});
    mamori::v1::EventBatch batch;
    batch.set_terminal_id(terminal->id());
    mamori::v1::EventBody body;
    body.set_terminal_id(terminal->id());
    body.set_type(mamori::v1::HEARTBEAT);
    for (int i = 0; i < 3; ++i) *batch.add_events() = forged.append(body);
    auto res = terminal->send(batch);
    EXPECT_EQ(res.status, 403u);
    EXPECT_TRUE(logged("forged batch"));
    EXPECT_EQ(storedCount(terminal->id()), 0u);
}

TEST_P(AgentEndpoint, ReplayedBatchIsStoredOnce) {
    auto batch = terminal->batch(7);
    ASSERT_EQ(terminal->send(batch).status, 200u);
    auto res = terminal->send(batch);
    ASSERT_EQ(res.status, 200u);
    mamori::v1::EventAck ack;
    ack.ParseFromString(res.body);
    EXPECT_EQ(ack.stored(), 0u);
    EXPECT_EQ(ack.duplicates(), 7u);
    EXPECT_EQ(ack.acked_seq(), 7u);
    EXPECT_TRUE(ack.warning().empty()) << ack.warning();
    EXPECT_EQ(storedCount(terminal->id()), 7u);
}

TEST_P(AgentEndpoint, BodyOverTheLimitIsRefused) {
    auto res = terminal->postAuthenticated("/v1/events", std::string(70000, 'x'));
    EXPECT_EQ(res.status, 413u);
    EXPECT_TRUE(logged("over the 65536-byte limit"));
}

TEST_P(AgentEndpoint, MalformedProtobufIsRefused) {
    auto res = terminal->postAuthenticated("/v1/events", std::string("\xff\xff\xff\xff garbage", 12));
    EXPECT_EQ(res.status, 400u);
    EXPECT_TRUE(logged("malformed batch"));
}

TEST_P(AgentEndpoint, GapIsRecordedAndLaterBatchesStillTaken) {
    ASSERT_EQ(terminal->send(terminal->batch(3)).status, 200u);
    terminal->batch(4);  // lost on the way
    auto res = terminal->send(terminal->batch(2));
    ASSERT_EQ(res.status, 200u);
    EXPECT_TRUE(logged("evidence violation on term-a: gap seq 4-7"));
    EXPECT_EQ(storedCount(terminal->id()), 5u);
}

TEST_P(AgentEndpoint, SlowlorisClientIsCutOff) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    asio::ssl::stream<asio::ip::tcp::socket> s(io, ctx);
    s.next_layer().connect({asio::ip::address_v4::loopback(), collector->agentPort()});
    s.handshake(asio::ssl::stream_base::client);
    asio::write(s, asio::buffer(std::string("POST /v1/events HTTP/1.1\r\nHost: x\r\n")));
    auto start = std::chrono::steady_clock::now();
    boost::system::error_code ec;
    // Dribble one header byte a second: the server must close well before we finish.
    for (int i = 0; i < 20 && !ec; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        asio::write(s, asio::buffer(std::string("X")), ec);
        char buf[1];
        if (!ec) {
            s.next_layer().non_blocking(true);
            s.next_layer().read_some(asio::buffer(buf), ec);
            if (ec == asio::error::would_block) ec = {};
            s.next_layer().non_blocking(false);
        }
    }
    EXPECT_TRUE(ec) << "the server kept a slow client for 10 s";
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(6));
    EXPECT_TRUE(logged("too slow to send a request"));
}

INSTANTIATE_TEST_SUITE_P(Stores, AgentEndpoint, CollectorOnEachStore::stores(), CollectorOnEachStore::name);
