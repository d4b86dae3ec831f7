// The lifecycle of terminals and certificates with the real binaries over TLS on loopback, on
// SQLite and on PostgreSQL: a real agent renewing its certificate before it expires while its
// evidence chain goes on unbroken; the renewal protocol step by step; decommissioning; enrollment
// tokens listed and revoked; the collector's own certificate renewed and its expiry shown; a
// certificate past its end refused even over a resumed TLS session.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "CollectorOnEachStore.h"
#include "mamori/common/Files.h"
#include "mamori/proto/Certificate.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/v1/api.pb.h"
#include "tests/support/SimulatedTerminal.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;
using mamori::common::Files;
using mamori::proto::Certificate;
using mamori::proto::CertificateRequest;
using mamori::proto::Ed25519Key;

namespace {

std::string todayInTokyo() {
    const time_t t = time(nullptr) + 9 * 3600;
    char buf[16];
    strftime(buf, sizeof buf, "%Y-%m-%d", gmtime(&t));
    return buf;
}

int64_t nowUnix() { return static_cast<int64_t>(time(nullptr)); }

unsigned mode(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
}

// Short-lived terminal certificates, so that a real agent must renew within the test.
class CertificateRenewal : public CollectorOnEachStore {
protected:
    static constexpr int kLifetime = 30;
    CertificateRenewal()
        : CollectorOnEachStore("renewal", "client_certificate_lifetime = " + std::to_string(kLifetime) +
                                              "s\nsync_interval_seconds = 1\n") {}

    static Certificate certificateOf(TestAgent& agent) {
        return Certificate::fromPem(Files::read(agent.state() / "terminal.pem"));
    }
    static uint64_t lastSeq(TestAgent& agent) {
        auto s = agent.status();
        auto at = s.find("last seq ");
        return at == std::string::npos ? 0 : std::stoull(s.substr(at + 9));
    }
    bool drained(TestAgent& agent) {
        return waitFor([&] {
            auto s = agent.status();
            return s.find(" 0 events") != std::string::npos && s.find("last error:      none") != std::string::npos;
        });
    }
    // mamorictl export of today, then verify offline against the CA; the verifier's words.
    std::string exportAndVerify(const std::string& terminal, const std::string& name) {
        const auto file = dir / (name + ".bundle");
        collector->ctl({"export", "--terminal", terminal, "--from", todayInTokyo(), "--to", todayInTokyo(), file.string()});
        return collector->ctl({"verify", file.string(), "--ca", (collector->dir() / "ca.pem").string()});
    }
};

// Certificates of the usual lifetime, for the protocol and the commands.
class TerminalLifecycle : public CollectorOnEachStore {
protected:
    TerminalLifecycle() : CollectorOnEachStore("lifecycle") {}
    void SetUp() override {
        CollectorOnEachStore::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ca_pem = Files::read(collector->dir() / "ca.pem");
    }
    std::unique_ptr<SimulatedTerminal> enrolled(const std::string& host, int events) {
        auto t = std::make_unique<SimulatedTerminal>(collector->agentUrl(), ca_pem);
        EXPECT_EQ(t->enroll(collector->token("市民課"), host).status, 200u);
        if (events) {
            EXPECT_EQ(t->send(t->batch(events)).status, 200u);
        }
        return t;
    }
    static mamori::v1::RenewRequest renewal(const Ed25519Key& key) {
        mamori::v1::RenewRequest r;
        r.set_csr_pem(CertificateRequest::create(key, "any name"));
        return r;
    }
    // A request with a given TLS identity, whatever the terminal holds now.
    SimulatedTerminal::Response postAs(SimulatedTerminal& t, const std::string& cert, const Ed25519Key& key,
                                       const std::string& target, const std::string& body) {
        auto tls = mamori::common::HttpsClient::context(ca_pem, cert, key.privatePem());
        return t.post(*tls, target, body);
    }
    bool logged(const std::string& needle) {
        return waitFor([&] { return collector->logText().find(needle) != std::string::npos; }, std::chrono::seconds(5));
    }
    std::string exportAndVerify(const std::string& terminal, const std::string& name) {
        const auto file = dir / (name + ".bundle");
        collector->ctl({"export", "--terminal", terminal, "--from", todayInTokyo(), "--to", todayInTokyo(), file.string()});
        return collector->ctl({"verify", file.string(), "--ca", (collector->dir() / "ca.pem").string()});
    }
    // mamorictl as the first administrator, with Japanese headings.
    std::string japanese(std::vector<std::string> args) {
        args.insert(args.begin(), {bin("mamorictl"), "--config", (collector->dir() / "mamorictl.conf").string(), "--lang", "ja"});
        std::string out;
        EXPECT_EQ(Subprocess::run(args, &out), 0) << out;
        return out;
    }
    std::string ca_pem;
};

}  // namespace

// The real agent with 30-second certificates: it renews each before it expires, with a new key
// made here, while it uploads; it goes on past the first certificate's end and across a restart;
// the collector holds every event once, with no gap, and the exported chain verifies end to end.
TEST_P(CertificateRenewal, TheAgentRenewsBeforeExpiryAndItsChainVerifiesEndToEnd) {
    TestAgent agent(dir / "term-a");
    agent.enroll(collector->agentUrl(), collector->token("市民課"), "term-a");
    const Certificate enrolled = certificateOf(agent);
    const std::string event_key = Files::read(agent.state() / "terminal.key");
    EXPECT_EQ(enrolled.publicKeyRaw(), Ed25519Key::fromPrivatePem(event_key).publicRaw());
    EXPECT_LE(enrolled.notAfterUnix() - nowUnix(), kLifetime);

    agent.start();
    ASSERT_TRUE(waitFor([&] { return certificateOf(agent).fingerprint() != enrolled.fingerprint(); },
                        std::chrono::seconds(kLifetime)))
        << "no renewal before the certificate expired\n" << agent.logText() << collector->logText();
    const Certificate first = certificateOf(agent);
    EXPECT_LT(nowUnix(), enrolled.notAfterUnix()) << "renewed before expiry";
    EXPECT_EQ(first.commonName(), "term-a");
    EXPECT_NE(first.publicKeyRaw(), enrolled.publicKeyRaw()) << "a new key pair";
    EXPECT_EQ(first.publicKeyRaw(), Ed25519Key::fromPrivatePem(Files::read(agent.state() / "tls.key")).publicRaw());
    EXPECT_EQ(mode(agent.state() / "tls.key"), 0600u);
    EXPECT_EQ(Files::read(agent.state() / "terminal.key"), event_key) << "the events' key stays";
    EXPECT_TRUE(waitFor([&] { return collector->logText().find("term-a now uses its renewed certificate") != std::string::npos; }))
        << collector->logText();

    // Stopped and started again after the enrollment certificate has expired: the renewed one
    // carries on, and renews in its turn.
    EXPECT_EQ(agent.stop(SIGTERM), 0);
    while (nowUnix() <= enrolled.notAfterUnix() + 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    agent.start();
    ASSERT_TRUE(waitFor([&] { return certificateOf(agent).fingerprint() != first.fingerprint(); },
                        std::chrono::seconds(kLifetime)))
        << agent.logText() << collector->logText();
    ASSERT_TRUE(drained(agent)) << agent.status() << agent.logText();
    EXPECT_EQ(agent.logText().find("upload failed"), std::string::npos) << agent.logText();

    // Exported while the terminal is in service: its chain, signed before and after each
    // renewal by the same event key, verifies against the CA.
    const std::string verdict = exportAndVerify("term-a", "in-service");
    EXPECT_NE(verdict.find("verified "), std::string::npos) << verdict;
    EXPECT_EQ(agent.stop(SIGTERM), 0);

    const auto seqs = collector->seqs("term-a");
    ASSERT_EQ(seqs.size(), lastSeq(agent)) << "every event, once";
    for (size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i + 1) << "no gap at " << i;
    const auto types = collector->types("term-a");
    EXPECT_EQ(std::count(types.begin(), types.end(), "AGENT_STARTED"), 2);
    EXPECT_EQ(collector->admin("/admin/v1/violations?date=today&control=evidence").at("rows").as_array().size(), 0u);
    const std::string all = exportAndVerify("term-a", "whole");
    EXPECT_NE(all.find("verified " + std::to_string(seqs.size()) + " events of terminal term-a, seq 1 to " +
                       std::to_string(seqs.size())),
              std::string::npos)
        << all;
}

// The protocol step by step, with a terminal made of the protocol's pieces.
TEST_P(TerminalLifecycle, ARenewedCertificateReplacesTheOldOneWhenFirstPresented) {
    auto term = enrolled("term-a", 5);
    const std::string old_cert = term->certificatePem();
    const Ed25519Key old_key = term->key();
    const Ed25519Key new_key = Ed25519Key::generate();

    auto res = term->postAuthenticated("/v1/renew", renewal(new_key).SerializeAsString());
    ASSERT_EQ(res.status, 200u) << res.body;
    mamori::v1::RenewResponse out;
    ASSERT_TRUE(out.ParseFromString(res.body));
    const auto cert = Certificate::fromPem(out.certificate_pem());
    EXPECT_EQ(cert.commonName(), "term-a");
    EXPECT_EQ(cert.publicKeyRaw(), new_key.publicRaw());
    EXPECT_TRUE(cert.issuedBy(Certificate::fromPem(ca_pem), nowUnix()));
    EXPECT_TRUE(logged("issued a renewed certificate to terminal term-a"));

    // Until the new one is presented the old one works: an answer lost on the way locks nobody out.
    EXPECT_EQ(term->sync().status, 200u);
    // The new TLS identity; the events go on in the same chain, signed by the same event key.
    term->setIdentity(out.certificate_pem(), new_key);
    res = term->send(term->batch(5));
    ASSERT_EQ(res.status, 200u) << res.body;
    mamori::v1::EventAck ack;
    ASSERT_TRUE(ack.ParseFromString(res.body));
    EXPECT_EQ(ack.acked_seq(), 10u);
    EXPECT_EQ(ack.stored(), 5u);
    EXPECT_TRUE(ack.warning().empty()) << ack.warning();
    EXPECT_TRUE(logged("term-a now uses its renewed certificate"));

    // From then on the old certificate is refused, though it has not expired.
    res = postAs(*term, old_cert, old_key, "/v1/sync", "");
    EXPECT_EQ(res.status, 403u);
    EXPECT_NE(res.body.find("not the current certificate of terminal term-a"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("現在の証明書ではありません"), std::string::npos) << res.body;
    // A renewal must bring a key the terminal does not have.
    res = term->postAuthenticated("/v1/renew", renewal(new_key).SerializeAsString());
    EXPECT_EQ(res.status, 400u);
    EXPECT_NE(res.body.find("new key pair"), std::string::npos) << res.body;
    res = term->postAuthenticated("/v1/renew", "\xff\xff\xff");
    EXPECT_EQ(res.status, 400u);
    auto anonymous = mamori::common::HttpsClient::context(ca_pem);
    EXPECT_EQ(term->post(*anonymous, "/v1/renew", renewal(Ed25519Key::generate()).SerializeAsString()).status, 401u);

    const std::string verdict = exportAndVerify("term-a", "renewed");
    EXPECT_NE(verdict.find("verified 10 events of terminal term-a, seq 1 to 10"), std::string::npos) << verdict;
    EXPECT_EQ(collector->admin("/admin/v1/violations?date=today&control=evidence").at("rows").as_array().size(), 0u);
}

TEST_P(TerminalLifecycle, ADecommissionedTerminalIsRefusedAndItsEvidenceStaysVerifiable) {
    auto term = enrolled("term-a", 4);
    auto other = enrolled("term-b", 1);
    const auto auditor = collector->addUser("kansa", {"--role", "auditor"});
    const std::string refused_role = [&] {
        std::string out;
        Subprocess::run({bin("mamorictl"), "--config", auditor.string(), "--lang", "en", "terminal", "decommission",
                         "term-a", "--reason", "x"},
                        &out);
        return out;
    }();
    EXPECT_NE(refused_role.find("kansa (auditor) may not decommission a terminal"), std::string::npos) << refused_role;

    // Wrong arguments are refused, never taken as something else.
    EXPECT_NE(collector->ctl({"terminal", "decommission", "term-a"}, 2).find("--reason"), std::string::npos);
    EXPECT_NE(collector->ctl({"terminal", "decommission", "term-x", "--reason", "gone"}, 1).find("did you mean 'term-a'"),
              std::string::npos);
    EXPECT_NE(collector->ctl({"terminal", "decommission", "term-a", "--reason", "  "}, 1).find("reason"),
              std::string::npos);
    EXPECT_NE(collector->ctl({"terminal", "decommission", "--help"}).find("--reason"), std::string::npos);

    const std::string out = collector->ctl({"terminal", "decommission", "term-a", "--reason", "故障のため交換 (replaced)"});
    EXPECT_NE(out.find("terminal term-a is decommissioned"), std::string::npos) << out;
    EXPECT_NE(collector->ctl({"terminal", "decommission", "term-a", "--reason", "again"}, 1).find("already decommissioned"),
              std::string::npos);

    // Refused at sync, at ingest and at renewal, by the certificate it presents.
    for (const auto& [target, body] :
         std::vector<std::pair<std::string, std::string>>{{"/v1/sync", ""},
                                                          {"/v1/events", term->batch(1).SerializeAsString()},
                                                          {"/v1/renew", renewal(Ed25519Key::generate()).SerializeAsString()}}) {
        const auto res = term->postAuthenticated(target, body);
        EXPECT_EQ(res.status, 403u) << target;
        EXPECT_NE(res.body.find("terminal term-a is decommissioned (故障のため交換 (replaced))"), std::string::npos) << res.body;
        EXPECT_NE(res.body.find("端末 term-a は廃止されています"), std::string::npos) << res.body;
    }
    EXPECT_EQ(collector->seqs("term-a").size(), 4u);
    EXPECT_EQ(other->sync().status, 200u) << "the others are untouched";

    // Listed as decommissioned; counted as such in the status; its history verifies.
    const auto listing = collector->admin("/admin/v1/terminals");
    EXPECT_EQ(listing.at("rows").at(0).at("presence").as_string(), "decommissioned");
    EXPECT_NE(japanese({"terminals"}).find("廃止済み"), std::string::npos);
    const auto status = collector->admin("/admin/v1/status");
    EXPECT_EQ(status.at("terminals_decommissioned").as_int64(), 1);
    EXPECT_EQ(status.at("terminals_in_service").as_int64(), 1);
    const std::string verdict = exportAndVerify("term-a", "decommissioned");
    EXPECT_NE(verdict.find("verified 4 events of terminal term-a, seq 1 to 4"), std::string::npos) << verdict;
    const auto log = collector->admin("/admin/v1/access-log");
    bool recorded = false;
    for (const auto& r : log.at("rows").as_array())
        recorded |= r.at("action").as_string() == "decommissioned: 故障のため交換 (replaced)";
    EXPECT_TRUE(recorded) << log;
}

TEST_P(TerminalLifecycle, ARevokedEnrollmentTokenRefusesEnrollmentSayingSo) {
    std::string out = collector->ctl({"token", "create", "--group", "市民課"});
    const std::string token = out.substr(0, out.find('\n'));
    const std::string kept = collector->token("税務課");
    const auto listed = collector->admin("/admin/v1/enroll-tokens");
    ASSERT_EQ(listed.at("rows").as_array().size(), 2u) << listed;
    std::string id;
    for (const auto& r : listed.at("rows").as_array()) {
        EXPECT_EQ(r.at("state").as_string(), "active");
        EXPECT_EQ(r.at("id").as_string().size(), 12u);
        if (r.at("group").as_string() == "市民課") id = std::string(r.at("id").as_string());
    }
    EXPECT_NE(out.find("token " + id), std::string::npos) << "token create names the id: " << out;
    const std::string table = collector->ctl({"token", "list"});
    EXPECT_NE(table.find(id), std::string::npos) << table;
    EXPECT_NE(table.find("active"), std::string::npos) << table;

    // An auditor reads the list but does not revoke.
    const auto auditor = collector->addUser("kansa", {"--role", "auditor"});
    std::string as_auditor;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "--config", auditor.string(), "--lang", "en", "token", "list"},
                              &as_auditor),
              0)
        << as_auditor;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "--config", auditor.string(), "--lang", "en", "token", "revoke", id},
                              &as_auditor),
              1);
    EXPECT_NE(as_auditor.find("kansa (auditor) may not revoke enrollment tokens"), std::string::npos) << as_auditor;

    EXPECT_NE(collector->ctl({"token", "revoke"}, 2).find("id"), std::string::npos);
    EXPECT_NE(collector->ctl({"token", "revoke", "123"}, 1).find("12 characters"), std::string::npos);
    EXPECT_NE(collector->ctl({"token", "revoke", "ffffffffffff"}, 1).find("no enrollment token has the id"),
              std::string::npos);
    out = collector->ctl({"token", "revoke", id});
    EXPECT_NE(out.find("enrollment token " + id), std::string::npos) << out;
    EXPECT_NE(collector->ctl({"token", "revoke", id}, 1).find("already revoked"), std::string::npos);
    EXPECT_NE(collector->ctl({"token", "list", "--format", "csv"}).find("revoked"), std::string::npos);

    SimulatedTerminal term(collector->agentUrl(), ca_pem);
    const auto res = term.enroll(token, "term-a");
    EXPECT_EQ(res.status, 403u);
    EXPECT_NE(res.body.find("this enrollment token (" + id + ") was revoked by admin"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("失効されています"), std::string::npos) << res.body;
    // The real agent says the same to whoever installs it.
    TestAgent agent(dir / "term-b");
    const std::string said = agent.enroll(collector->agentUrl(), token, "term-b", 1);
    EXPECT_NE(said.find("was revoked by admin"), std::string::npos) << said;
    EXPECT_EQ(SimulatedTerminal(collector->agentUrl(), ca_pem).enroll(kept, "term-c").status, 200u);
    // A well-formed token this collector never issued.
    const auto stranger = mamori::proto::EnrollmentToken::generate(Certificate::fromPem(ca_pem).fingerprint());
    const auto unknown = SimulatedTerminal(collector->agentUrl(), ca_pem).enroll(stranger.str(), "term-d");
    EXPECT_EQ(unknown.status, 403u);
    EXPECT_NE(unknown.body.find("unknown to this collector"), std::string::npos) << unknown.body;
    EXPECT_NE(collector->ctl({"token", "revoke", listed.at("rows").at(0).at("id").as_string().c_str()}, 1).find("already"),
              std::string::npos)
        << "a used token is refused too";
}

TEST_P(TerminalLifecycle, TheServerCertificateIsRenewedUnderTheSameCaAndItsExpiryShown) {
    auto term = enrolled("term-a", 1);
    std::string out = collector->ctl({"status"});
    EXPECT_NE(out.find("server"), std::string::npos) << out;
    EXPECT_NE(out.find("CA"), std::string::npos) << out;
    EXPECT_EQ(out.find("expires within 90 days"), std::string::npos) << out;
    EXPECT_NE(out.find("terminals in service: 1"), std::string::npos) << out;
    auto status = collector->admin("/admin/v1/status");
    EXPECT_EQ(status.at("rows").at(0).at("certificate").as_string(), "server");
    EXPECT_GE(status.at("rows").at(0).at("days_left").as_int64(), 823);
    EXPECT_GE(status.at("rows").at(1).at("days_left").as_int64(), 7000) << "the CA: twenty years";
    EXPECT_NE(collector->ctl({"status", "--help"}).find("90 days"), std::string::npos);

    const auto before = Certificate::fromPem(Files::read(collector->dir() / "server.pem"));
    std::string renewed;
    ASSERT_EQ(Subprocess::run({bin("mamori-collector"), "renew-cert", "--dir", collector->dir().string(), "--days", "30"},
                              &renewed),
              0)
        << renewed;
    EXPECT_NE(renewed.find("restart the collector"), std::string::npos) << renewed;
    const auto after = Certificate::fromPem(Files::read(collector->dir() / "server.pem"));
    EXPECT_EQ(after.subjectAltNames(), before.subjectAltNames());
    EXPECT_TRUE(after.issuedBy(Certificate::fromPem(ca_pem), nowUnix()));
    EXPECT_NE(after.publicKeyRaw(), before.publicKeyRaw());
    EXPECT_EQ(mode(collector->dir() / "server.key"), 0600u);
    status = collector->admin("/admin/v1/status");
    EXPECT_TRUE(status.at("rows").at(0).at("restart_needed").as_bool()) << status;
    EXPECT_NE(collector->ctl({"status"}).find("restart the collector"), std::string::npos);

    collector->stop();
    collector->start();
    EXPECT_TRUE(logged("the collector's server certificate (")) << collector->logText();
    // 30 days, or 29 and some hours by the time it is said.
    EXPECT_TRUE(logged("days; renew it with `mamori-collector renew-cert")) << collector->logText();
    EXPECT_TRUE(logged("expires in 30 days") || logged("expires in 29 days")) << collector->logText();
    out = collector->ctl({"status"});
    EXPECT_NE(out.find("expires within 90 days"), std::string::npos) << out;
    EXPECT_NE(out.find("renew-cert"), std::string::npos) << out;
    EXPECT_NE(japanese({"status"}).find("90日以内に期限切れ"), std::string::npos);
    // Terminals pin the CA, not the server certificate: they go on as before.
    EXPECT_EQ(term->sync().status, 200u);

    std::string help;
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "renew-cert", "--help"}, &help), 0);
    EXPECT_NE(help.find("--days"), std::string::npos) << help;
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "renew-cert", "--dir", collector->dir().string(), "--days", "0"},
                              &help),
              2)
        << help;
}

// Ten-second certificates, to see one end while its TLS session could still be resumed.
class ExpiringCertificate : public CollectorOnEachStore {
protected:
    ExpiringCertificate() : CollectorOnEachStore("expiring", "client_certificate_lifetime = 10s\n") {}
};

TEST_P(ExpiringCertificate, ACertificatePastItsEndIsRefusedEvenOverAResumedSession) {
    SimulatedTerminal terminal(collector->agentUrl(), Files::read(collector->dir() / "ca.pem"));
    ASSERT_EQ(terminal.enroll(collector->token("市民課"), "term-x").status, 200u);
    ASSERT_EQ(terminal.sync().status, 200u);  // a full handshake: the session there is to resume
    const int64_t end = Certificate::fromPem(terminal.certificatePem()).notAfterUnix();
    while (nowUnix() <= end) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    // A full handshake would refuse the certificate before any answer. This one resumes the
    // session, which skips the dates, and the collector refuses the certificate all the same.
    const auto res = terminal.sync();
    EXPECT_EQ(res.status, 401u) << res.body;
    EXPECT_NE(res.body.find("the certificate of terminal term-x has expired"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("有効期限が切れています"), std::string::npos) << res.body;
}

INSTANTIATE_TEST_SUITE_P(Stores, CertificateRenewal, CollectorOnEachStore::stores(), CollectorOnEachStore::name);
INSTANTIATE_TEST_SUITE_P(Stores, ExpiringCertificate, CollectorOnEachStore::stores(), CollectorOnEachStore::name);
INSTANTIATE_TEST_SUITE_P(Stores, TerminalLifecycle, CollectorOnEachStore::stores(), CollectorOnEachStore::name);
