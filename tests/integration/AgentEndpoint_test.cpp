// The collector's agent endpoint under honest and hostile clients, over real TLS on loopback.
// Each case asserts the exact outcome, that the refusal is logged, and that the collector stays up.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <limits>
#include <thread>

#include "tests/support/SimulatedTerminal.h"
#include "CollectorOnEachStore.h"
#include "tests/support/TestCollector.h"
#include "collector/CertificateAuthority.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/proto/EventChain.h"

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
        if (collector) {
            EXPECT_TRUE(TestCollector::connectable(collector->agentPort())) << collector->logText();
        }
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
    auto tls = mamori::common::HttpsClient::context(ca_pem, other.issueClient(csr, terminal->id(), std::chrono::days(30)), key.privatePem());
    EXPECT_THROW(terminal->post(*tls, "/v1/events", terminal->batch(1).SerializeAsString()),
                 std::runtime_error);
    EXPECT_TRUE(logged("TLS handshake from 127.0.0.1 refused"));
    EXPECT_EQ(storedCount(terminal->id()), 0u);
}

TEST_P(AgentEndpoint, ExpiredCertificateIsRefusedAtHandshake) {
    auto ca = mamori::collector::CertificateAuthority::load(dir / "collector");
    auto csr = mamori::proto::CertificateRequest::parse(
        mamori::proto::CertificateRequest::create(terminal->key(), terminal->id()));
    auto tls = mamori::common::HttpsClient::context(ca_pem, ca.issueClient(csr, terminal->id(), std::chrono::days(-1)),
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
    const auto res = c.enroll(token, "term-c");
    EXPECT_EQ(res.status, 403u);
    EXPECT_NE(res.body.find("was already used to enroll a terminal"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("既に端末の登録に使われています"), std::string::npos) << res.body;
    EXPECT_TRUE(logged("refused: this enrollment token ("));
}

TEST_P(AgentEndpoint, ExpiredTokenIsRefused) {
    auto token = mamori::proto::EnrollmentToken::generate(
        mamori::proto::Certificate::fromPem(ca_pem).fingerprint());
    auto store = mamori::collector::openStore(storeUrl());
    store->addEnrollToken({token.secretHash(), "default", std::time(nullptr) - 1, "test"});
    SimulatedTerminal b(collector->agentUrl(), ca_pem);
    const auto res = b.enroll(token.str(), "term-b");
    EXPECT_EQ(res.status, 403u);
    EXPECT_NE(res.body.find("has expired"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("有効期限が切れています"), std::string::npos) << res.body;
    EXPECT_TRUE(logged("has expired; ask your administrator for a new one"));
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

// The ack of one batch, which must be a 200.
mamori::v1::EventAck ackOf(const mamori::common::HttpsClient::Response& res) {
    EXPECT_EQ(res.status, 200u) << res.body;
    mamori::v1::EventAck ack;
    EXPECT_TRUE(ack.ParseFromString(res.body));
    return ack;
}

TEST_P(AgentEndpoint, AlteredMiddleEventCostsOnlyItselfAndTheTerminalStandsSuspected) {
    auto batch = terminal->batch(5);
    mamori::v1::EventBody body;
    body.ParseFromString(batch.events(2).body());
    body.set_type(mamori::v1::USB_ALLOWED);  // rewrite history, keep the hash and signature
    batch.mutable_events(2)->set_body(body.SerializeAsString());
    const auto ack = ackOf(terminal->send(batch));
    // Seq 1-2 are proved by seq 2's signature, 4-5 by the head's: all four are stored.
    EXPECT_EQ(ack.acked_seq(), 5u);
    EXPECT_EQ(ack.stored(), 4u);
    ASSERT_EQ(ack.refused_size(), 1);
    EXPECT_EQ(ack.refused(0).first_seq(), 3u);
    EXPECT_EQ(ack.refused(0).last_seq(), 3u);
    EXPECT_NE(ack.refused(0).reason().find("altered"), std::string::npos) << ack.refused(0).reason();
    EXPECT_EQ(collector->seqs(terminal->id()), (std::vector<uint64_t>{1, 2, 4, 5}));
    EXPECT_TRUE(logged("evidence violation on term-a: tampered seq 3: 1 event(s) failed authentication"));
    // Today's view says so, and keeps saying so after honest batches, until someone resolves it.
    ASSERT_EQ(ackOf(terminal->send(terminal->batch(2))).stored(), 2u);
    EXPECT_EQ(storedCount(terminal->id()), 6u);
    auto today = collector->admin("/admin/v1/violations?date=today&control=evidence");
    ASSERT_EQ(today.at("rows").as_array().size(), 1u) << today;
    EXPECT_EQ(today.at("rows").at(0).at("status").as_string(), "tampering suspected");
}

TEST_P(AgentEndpoint, AlteredHeadNeverMovesTheHeadToItsClaimedSeq) {
    auto batch = terminal->batch(50);
    mamori::v1::EventBody body;
    body.ParseFromString(batch.events(49).body());
    body.set_seq(1'000'000);  // hash and signature kept
    batch.mutable_events(49)->set_body(body.SerializeAsString());
    const auto ack = ackOf(terminal->send(batch));
    EXPECT_EQ(ack.acked_seq(), 50u);
    EXPECT_EQ(ack.stored(), 49u);
    ASSERT_EQ(ack.refused_size(), 1);
    EXPECT_EQ(ack.refused(0).first_seq(), 50u);
    EXPECT_EQ(ack.refused(0).last_seq(), 50u);
    // The next batch continues after seq 50: taken whole, with no gap or fork recorded.
    const auto next = ackOf(terminal->send(terminal->batch(3)));
    EXPECT_EQ(next.acked_seq(), 53u);
    EXPECT_EQ(next.stored(), 3u);
    EXPECT_TRUE(next.warning().empty()) << next.warning();
    EXPECT_EQ(storedCount(terminal->id()), 52u);
    auto store = mamori::collector::openStore(storeUrl());
    EXPECT_EQ(store->terminal(terminal->id())->head_seq, 53u);
    EXPECT_EQ(store->evidenceIssues(terminal->id()).size(), 1u);
}

TEST_P(AgentEndpoint, RehashedMiddleEventKeepsTheHonestPrefixAndSuffix) {
    auto batch = terminal->batch(6);
    mamori::v1::EventBody body;
    body.ParseFromString(batch.events(3).body());
    body.set_type(mamori::v1::USB_ALLOWED);
    auto* ev = batch.mutable_events(3);
    ev->set_body(body.SerializeAsString());
    ev->set_hash(mamori::proto::EventChain::linkHash(ev->prev_hash(), ev->body()));  // hash fits; signature does not
    const auto ack = ackOf(terminal->send(batch));
    EXPECT_EQ(ack.acked_seq(), 6u);
    ASSERT_EQ(ack.refused_size(), 1);
    EXPECT_EQ(ack.refused(0).first_seq(), 4u);
    EXPECT_NE(ack.refused(0).reason().find("signature"), std::string::npos);
    EXPECT_EQ(collector->seqs(terminal->id()), (std::vector<uint64_t>{1, 2, 3, 5, 6}));
}

TEST_P(AgentEndpoint, BatchSignedByAnotherKeyIsRefusedAsTampering) {
    mamori::proto::EventChain forged(mamori::proto::Ed25519Key::generate(), {});
    mamori::v1::EventBatch batch;
    batch.set_terminal_id(terminal->id());
    mamori::v1::EventBody body;
    body.set_terminal_id(terminal->id());
    body.set_type(mamori::v1::HEARTBEAT);
    for (int i = 0; i < 3; ++i) *batch.add_events() = forged.append(body);
    const auto ack = ackOf(terminal->send(batch));
    EXPECT_EQ(ack.stored(), 0u);
    ASSERT_EQ(ack.refused_size(), 1);
    EXPECT_EQ(ack.refused(0).first_seq(), 1u);
    EXPECT_EQ(ack.refused(0).last_seq(), 3u);
    EXPECT_TRUE(logged("tampered seq 1-3: 3 event(s) failed authentication: no signature of the terminal"));
    EXPECT_EQ(storedCount(terminal->id()), 0u);
}

TEST_P(AgentEndpoint, ClockADayBehindIsAViolationAndItsEventsAreFiledByArrival) {
    terminal->setClockOffset(-std::chrono::hours(24));
    ASSERT_EQ(terminal->sync().status, 200u);
    EXPECT_TRUE(logged("terminal term-a: clock off by -86400"));
    auto clock = collector->admin("/admin/v1/violations?date=today&control=clock");
    ASSERT_EQ(clock.at("rows").as_array().size(), 1u) << clock;
    const int64_t skew = clock.at("rows").at(0).at("clock_skew_ms").to_number<int64_t>();
    EXPECT_NEAR(static_cast<double>(skew), -86'400'000.0, 5'000.0);
    // Its events claim yesterday; they are today's, because they arrived today.
    ASSERT_EQ(ackOf(terminal->send(terminal->batch(3, mamori::v1::HOURS_VIOLATION))).stored(), 3u);
    auto events = collector->admin("/admin/v1/events?terminal=term-a");
    ASSERT_EQ(events.at("rows").as_array().size(), 3u);
    const std::string today(collector->admin("/admin/v1/violations?date=today").at("date").as_string());
    for (const auto& e : events.at("rows").as_array()) {
        EXPECT_EQ(e.at("local_date").as_string(), today);
        EXPECT_EQ(e.at("filed_by").as_string(), "arrival");
        EXPECT_TRUE(e.at("time_plausible").as_bool());
    }
    // Once the clock is right again, events are filed by their own time.
    terminal->setClockOffset(std::chrono::nanoseconds(0));
    ASSERT_EQ(terminal->sync().status, 200u);
    ASSERT_EQ(ackOf(terminal->send(terminal->batch(1))).stored(), 1u);
    events = collector->admin("/admin/v1/events?terminal=term-a&after_seq=3");
    ASSERT_EQ(events.at("rows").as_array().size(), 1u);
    EXPECT_EQ(events.at("rows").at(0).at("filed_by").as_string(), "terminal clock");
    auto terminals = collector->admin("/admin/v1/terminals");
    EXPECT_FALSE(terminals.at("rows").at(0).at("clock_wrong").as_bool());
}

// One batch across local midnight: each event is filed on its own date, the last nanosecond of
// yesterday on yesterday and midnight itself on today, whatever the others of its batch say.
TEST_P(AgentEndpoint, EventsOfOneBatchEitherSideOfLocalMidnightAreFiledOnTheirOwnDates) {
    ASSERT_EQ(terminal->sync().status, 200u);  // the terminal's clock is right
    const std::string today(collector->admin("/admin/v1/violations?date=today").at("date").as_string());
    const mamori::collector::LocalCalendar tokyo("Asia/Tokyo");
    const int64_t midnight_ns = tokyo.startOfDateUnix(today) * 1'000'000'000;
    const std::string yesterday = tokyo.dateOfUnix(tokyo.startOfDateUnix(today) - 1);
    std::vector<mamori::v1::EventBody> bodies;
    for (int64_t ns : {midnight_ns - 1, midnight_ns, midnight_ns - 1}) {
        auto b = terminal->violation(mamori::v1::HOURS_VIOLATION, mamori::v1::HOURS);
        b.set_utc_ns(ns);
        bodies.push_back(b);
    }
    ASSERT_EQ(ackOf(terminal->send(terminal->batchOf(bodies))).stored(), 3u);
    auto events = collector->admin("/admin/v1/events?terminal=term-a");
    ASSERT_EQ(events.at("rows").as_array().size(), 3u);
    std::map<int64_t, std::string> date_of_seq;
    for (const auto& e : events.at("rows").as_array()) {
        EXPECT_EQ(e.at("filed_by").as_string(), "terminal clock") << e;
        date_of_seq[e.at("seq").to_number<int64_t>()] = e.at("local_date").as_string();
    }
    EXPECT_EQ(date_of_seq[1], yesterday);
    EXPECT_EQ(date_of_seq[2], today);
    EXPECT_EQ(date_of_seq[3], yesterday);
}

TEST_P(AgentEndpoint, ImpossibleTimesAreKeptFlaggedAndFiledByArrival) {
    for (int64_t t : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
        terminal->setClockFixed(t);
        ASSERT_EQ(ackOf(terminal->send(terminal->batch(1))).stored(), 1u);
    }
    auto events = collector->admin("/admin/v1/events?terminal=term-a");
    ASSERT_EQ(events.at("rows").as_array().size(), 2u);
    const std::string today(collector->admin("/admin/v1/violations?date=today").at("date").as_string());
    for (const auto& e : events.at("rows").as_array()) {
        EXPECT_FALSE(e.at("time_plausible").as_bool()) << e;
        EXPECT_EQ(e.at("filed_by").as_string(), "arrival");
        EXPECT_EQ(e.at("local_date").as_string(), today);
    }
}

TEST_P(AgentEndpoint, ClockIn2001IsJudgedAtSyncAndItsEventsAreFiledToday) {
    terminal->setClockFixed(int64_t{978'307'200} * 1'000'000'000);  // 2001-01-01: possible, but wrong
    ASSERT_EQ(terminal->sync().status, 200u);
    ASSERT_EQ(ackOf(terminal->send(terminal->batch(2))).stored(), 2u);
    auto events = collector->admin("/admin/v1/events?terminal=term-a");
    ASSERT_EQ(events.at("rows").as_array().size(), 2u);
    const std::string today(collector->admin("/admin/v1/violations?date=today").at("date").as_string());
    EXPECT_EQ(events.at("rows").at(0).at("local_date").as_string(), today);
    EXPECT_EQ(events.at("rows").at(0).at("filed_by").as_string(), "arrival");
    EXPECT_EQ(collector->admin("/admin/v1/violations?date=today&control=clock").at("rows").as_array().size(), 1u);
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
