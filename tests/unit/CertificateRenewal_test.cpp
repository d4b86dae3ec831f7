// The agent's side of certificate renewal, on real files and a real CA: when it is due, the key
// staged for it (0600, kept across attempts), what it accepts as the answer, and a crash at every
// point of the switch leaving a key and a certificate that match.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "agent/CertificateRenewal.h"
#include "collector/CertificateAuthority.h"
#include "mamori/common/Files.h"
#include "mamori/common/KeyPairFiles.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/Ed25519Key.h"
#include "mamori/v1/api.pb.h"

using mamori::agent::CertificateRenewal;
using mamori::collector::CertificateAuthority;
using mamori::common::Files;
using mamori::proto::Certificate;
using mamori::proto::CertificateRequest;
using mamori::proto::Ed25519Key;
namespace fs = std::filesystem;

namespace {

class CertificateRenewalTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "mamori-renewal-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        root = tmpl;
        state = root / "state";
        fs::create_directories(state);
        ca.emplace(CertificateAuthority::create(root / "ca", "test city"));
        // As enrollment leaves the state directory: one key for the events and for TLS.
        Files::writeSecret(state / "terminal.key", event_key.privatePem());
        Files::writeAtomic(state / "terminal.pem", issue(event_key, "pc-1"));
    }
    void TearDown() override { fs::remove_all(root); }

    std::string issue(const Ed25519Key& key, const std::string& cn, std::chrono::seconds validity = std::chrono::days(30)) {
        return ca->issueClient(CertificateRequest::parse(CertificateRequest::create(key, cn)), cn, validity);
    }
    // What the collector answers to the request: a certificate for the CSR's key.
    std::string answer(const std::string& request_body, const std::string& cn = "pc-1",
                       const CertificateAuthority* by = nullptr) {
        mamori::v1::RenewRequest req;
        EXPECT_TRUE(req.ParseFromString(request_body));
        const auto csr = CertificateRequest::parse(req.csr_pem());
        mamori::v1::RenewResponse res;
        res.set_certificate_pem((by ? *by : *ca).issueClient(csr, cn, std::chrono::days(30)));
        return res.SerializeAsString();
    }
    static std::string stagedPublic(const fs::path& state) {
        return Ed25519Key::fromPrivatePem(Files::read(state / "tls.key.new")).publicRaw();
    }
    static unsigned mode(const fs::path& p) {
        struct stat st {};
        EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
        return st.st_mode & 0777;
    }
    // The TLS identity the agent would use: its key must be the certificate's.
    void expectMatchingPair(const CertificateRenewal& r) {
        EXPECT_EQ(Certificate::fromPem(r.certificatePem()).publicKeyRaw(), Ed25519Key::fromPrivatePem(r.keyPem()).publicRaw());
    }

    fs::path root, state;
    std::optional<CertificateAuthority> ca;
    Ed25519Key event_key = Ed25519Key::generate();
};

}  // namespace

TEST_F(CertificateRenewalTest, DueHalfWayThroughTheCertificatesLifetime) {
    const auto c = Certificate::fromPem(issue(event_key, "pc-1", std::chrono::seconds(1000)));
    // Issued from a tenth of a short lifetime before now: 1100 s in all.
    EXPECT_EQ(c.notAfterUnix() - c.notBeforeUnix(), 1100);
    EXPECT_EQ(CertificateRenewal::dueUnix(c), c.notBeforeUnix() + 550);
    EXPECT_FALSE(CertificateRenewal::due(c, c.notBeforeUnix() + 549));
    EXPECT_TRUE(CertificateRenewal::due(c, c.notBeforeUnix() + 550));
    EXPECT_LT(CertificateRenewal::dueUnix(c), c.notBeforeUnix() + 1100 * 2 / 3) << "before two thirds have passed";
}

TEST_F(CertificateRenewalTest, TheNewKeyIsMadeHereKeptPrivateAndReusedUntilItsCertificateArrives) {
    CertificateRenewal r(state);
    mamori::v1::RenewRequest first, second;
    ASSERT_TRUE(first.ParseFromString(r.request("pc-1")));
    EXPECT_EQ(mode(state / "tls.key.new"), 0600u);
    const auto csr = CertificateRequest::parse(first.csr_pem());
    EXPECT_EQ(csr.publicKey().publicRaw(), stagedPublic(state));
    EXPECT_NE(csr.publicKey().publicRaw(), event_key.publicRaw());
    EXPECT_EQ(csr.commonName(), "pc-1");
    // The answer was lost: the next attempt asks for the same key, which the collector may
    // already hold as pending.
    ASSERT_TRUE(second.ParseFromString(CertificateRenewal(state).request("pc-1")));
    EXPECT_EQ(CertificateRequest::parse(second.csr_pem()).publicKey().publicRaw(), csr.publicKey().publicRaw());
    // Until the certificate is installed, the enrollment pair is the TLS identity.
    EXPECT_EQ(r.keyPem(), event_key.privatePem());
    expectMatchingPair(r);
}

TEST_F(CertificateRenewalTest, TheAnswerIsInstalledAndTheEventKeyIsLeftAlone) {
    CertificateRenewal r(state);
    r.request("pc-1");
    const std::string staged = stagedPublic(state);
    const auto cert = r.install(answer(CertificateRenewal(state).request("pc-1")), "pc-1", ca->certificate().pem());
    EXPECT_EQ(cert.publicKeyRaw(), staged);
    EXPECT_EQ(Certificate::fromPem(Files::read(state / "terminal.pem")).publicKeyRaw(), staged);
    EXPECT_EQ(Ed25519Key::fromPrivatePem(Files::read(state / "tls.key")).publicRaw(), staged);
    EXPECT_EQ(mode(state / "tls.key"), 0600u);
    EXPECT_FALSE(fs::exists(state / "tls.key.new"));
    EXPECT_FALSE(fs::exists(state / "terminal.pem.new"));
    EXPECT_EQ(Files::read(state / "terminal.key"), event_key.privatePem()) << "the events' key is never replaced";
    expectMatchingPair(r);
    // The next renewal replaces tls.key, still leaving terminal.key.
    const auto again = r.install(answer(r.request("pc-1")), "pc-1", ca->certificate().pem());
    EXPECT_NE(again.publicKeyRaw(), staged);
    EXPECT_EQ(Files::read(state / "terminal.key"), event_key.privatePem());
    expectMatchingPair(r);
}

TEST_F(CertificateRenewalTest, AWrongAnswerIsRefusedAndTheStagedKeyKeptForTheNextAttempt) {
    CertificateRenewal r(state);
    const std::string body = r.request("pc-1");
    const std::string staged = stagedPublic(state);
    const std::string before = Files::read(state / "terminal.pem");
    auto other_ca = CertificateAuthority::create(root / "other-ca", "elsewhere");
    mamori::v1::RenewResponse for_another_key;
    for_another_key.set_certificate_pem(issue(Ed25519Key::generate(), "pc-1"));
    mamori::v1::RenewResponse not_a_certificate;
    not_a_certificate.set_certificate_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    for (const std::string& wrong : {std::string("\xff\xff garbage"), not_a_certificate.SerializeAsString(),
                                     for_another_key.SerializeAsString(), answer(body, "pc-2"),
                                     answer(body, "pc-1", &other_ca)}) {
        EXPECT_THROW(r.install(wrong, "pc-1", ca->certificate().pem()), std::runtime_error);
        EXPECT_EQ(Files::read(state / "terminal.pem"), before);
        EXPECT_EQ(stagedPublic(state), staged);
        EXPECT_FALSE(fs::exists(state / "tls.key"));
        expectMatchingPair(r);
    }
    EXPECT_EQ(r.install(answer(body), "pc-1", ca->certificate().pem()).publicKeyRaw(), staged);
}

TEST_F(CertificateRenewalTest, AfterARefusedRequestTheNextOneBringsANewKey) {
    CertificateRenewal r(state);
    r.request("pc-1");
    const std::string refused = stagedPublic(state);
    r.abandon();
    EXPECT_FALSE(fs::exists(state / "tls.key.new"));
    r.request("pc-1");
    EXPECT_NE(stagedPublic(state), refused);
    expectMatchingPair(r);
}

TEST_F(CertificateRenewalTest, ACrashAtAnyPointOfTheSwitchLeavesAMatchingPair) {
    CertificateRenewal r(state);
    const std::string body = r.request("pc-1");
    const std::string staged = stagedPublic(state);
    mamori::v1::RenewResponse res;
    ASSERT_TRUE(res.ParseFromString(answer(body)));
    // Killed after the certificate was written beside, before any rename.
    Files::writeAtomic(state / "terminal.pem.new", res.certificate_pem());
    CertificateRenewal(state).recover();
    expectMatchingPair(r);
    EXPECT_EQ(Certificate::fromPem(r.certificatePem()).publicKeyRaw(), staged);

    // Killed between the two renames: the new key is in place, the old certificate still is.
    const std::string body2 = r.request("pc-1");
    const std::string staged2 = stagedPublic(state);
    ASSERT_TRUE(res.ParseFromString(answer(body2)));
    Files::writeAtomic(state / "terminal.pem.new", res.certificate_pem());
    fs::rename(state / "tls.key.new", state / "tls.key");
    CertificateRenewal(state).recover();
    expectMatchingPair(r);
    EXPECT_EQ(Certificate::fromPem(r.certificatePem()).publicKeyRaw(), staged2);

    // Killed before the answer came: only the staged key; the old pair stays in use.
    r.request("pc-1");
    CertificateRenewal(state).recover();
    expectMatchingPair(r);
    EXPECT_EQ(Certificate::fromPem(r.certificatePem()).publicKeyRaw(), staged2);
    EXPECT_TRUE(fs::exists(state / "tls.key.new"));
}

TEST(KeyPairFiles, InstallingWithoutAStagedKeyChangesNothing) {
    const fs::path dir = fs::temp_directory_path() / ("mamori-keypair-" + std::to_string(getpid()));
    fs::create_directories(dir);
    Files::writeSecret(dir / "server.key", "old key");
    Files::writeAtomic(dir / "server.pem", "old certificate");
    const mamori::common::KeyPairFiles pair(dir / "server.key", dir / "server.pem");
    EXPECT_THROW(pair.install("new certificate"), std::runtime_error);
    EXPECT_FALSE(pair.recover());
    EXPECT_EQ(Files::read(dir / "server.pem"), "old certificate");
    pair.stageKey("new key");
    pair.install("new certificate");
    EXPECT_EQ(Files::read(dir / "server.key"), "new key");
    EXPECT_EQ(Files::read(dir / "server.pem"), "new certificate");
    EXPECT_FALSE(pair.stagedKey());
    fs::remove_all(dir);
}
