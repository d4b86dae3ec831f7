// POST /v1/renew's body on the collector: bytes from a terminal, read after TLS proved which
// terminal sent them but before anything in them is trusted. Each malformed or unfit request is
// refused with a 400 or 409 that says why (English / Japanese) and changes nothing stored; an honest
// one is issued a certificate of this CA for the same terminal and the key it brought.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>
#include <memory>

#include "collector/CertificateAuthority.h"
#include "collector/Store.h"
#include "collector/TerminalRenewal.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/v1/api.pb.h"
#include "tests/support/StoreBackends.h"

using namespace mamori::collector;
using mamori::proto::Certificate;
using mamori::proto::CertificateRequest;
using mamori::proto::Ed25519Key;

namespace {

// A request signed with an ECDSA key: well formed, but not a key mamori uses.
std::string ecdsaCsr() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(X509_REQ_new(), X509_REQ_free);
    X509_REQ_set_pubkey(req.get(), key.get());
    X509_REQ_sign(req.get(), key.get(), EVP_sha256());
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509_REQ(bio.get(), req.get());
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
}

std::string body(const std::string& csr_pem) {
    mamori::v1::RenewRequest r;
    r.set_csr_pem(csr_pem);
    return r.SerializeAsString();
}

class TerminalRenewalTest : public mamori::test::StoreFixture<mamori::test::SqliteBackend> {
protected:
    void SetUp() override {
        StoreFixture::SetUp();
        store = open();
        ca.emplace(CertificateAuthority::create(backend.dir / "ca", "test city"));
        TerminalRecord t;
        t.id = "pc-1";
        t.hostname = "pc-1";
        t.group = "g";
        t.public_key = event_key.publicRaw();
        t.certificate_pem = ca->issueClient(event_key, "pc-1", std::chrono::days(30));
        store->addTerminal(t);
    }
    TerminalRenewal::Result renew(const std::string& request) {
        return TerminalRenewal(*store, *ca, std::chrono::hours(1)).renew(*store->terminal("pc-1"), request);
    }
    void expectRefused(const std::string& request, unsigned status, const std::string& words) {
        const auto before = *store->terminal("pc-1");
        const auto r = renew(request);
        EXPECT_EQ(r.http_status, status) << r.body;
        EXPECT_NE(r.body.find(words), std::string::npos) << r.body;
        EXPECT_NE(r.body.find(" / "), std::string::npos) << "English / Japanese: " << r.body;
        EXPECT_FALSE(r.error.empty());
        const auto after = *store->terminal("pc-1");
        EXPECT_EQ(after.pending_public_key, before.pending_public_key);
        EXPECT_EQ(after.certificate_pem, before.certificate_pem);
    }

    std::unique_ptr<Store> store;
    std::optional<CertificateAuthority> ca;
    Ed25519Key event_key = Ed25519Key::generate();
};

}  // namespace

TEST_F(TerminalRenewalTest, AnHonestRequestIsIssuedACertificateForTheSameTerminalAndItsNewKey) {
    const auto key = Ed25519Key::generate();
    const auto r = renew(body(CertificateRequest::create(key, "whatever the terminal calls itself")));
    ASSERT_EQ(r.http_status, 200u) << r.body;
    mamori::v1::RenewResponse res;
    ASSERT_TRUE(res.ParseFromString(r.body));
    const auto cert = Certificate::fromPem(res.certificate_pem());
    EXPECT_EQ(cert.commonName(), "pc-1") << "the id comes from the caller's certificate, not the request";
    EXPECT_EQ(cert.publicKeyRaw(), key.publicRaw());
    EXPECT_EQ(res.not_after_unix(), cert.notAfterUnix());
    EXPECT_TRUE(cert.issuedBy(ca->certificate(), cert.notBeforeUnix() + 60));
    const auto t = *store->terminal("pc-1");
    EXPECT_EQ(t.pending_public_key, key.publicRaw());
    EXPECT_EQ(t.tls_public_key, event_key.publicRaw()) << "current until presented";
    const auto evidence = Certificate::fromPem(t.certificate_pem);
    EXPECT_EQ(evidence.publicKeyRaw(), event_key.publicRaw()) << "the event key is vouched for again";
    EXPECT_EQ(evidence.commonName(), "pc-1");
}

TEST_F(TerminalRenewalTest, MalformedRequestsAreRefusedAndChangeNothing) {
    expectRefused(std::string("\x0a\xff\xff\xff\x0f", 5), 400, "malformed renewal request");
    expectRefused("", 400, "bad certificate request");  // an empty body is a request without a CSR
    expectRefused(body("not a PEM at all"), 400, "bad certificate request");
    expectRefused(body("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"), 400,
                  "bad certificate request");
    expectRefused(body(ecdsaCsr()), 400, "not Ed25519");
    // A CSR whose signature does not verify: a byte of the signature (its last bytes) altered.
    std::string csr = CertificateRequest::create(Ed25519Key::generate(), "pc-1");
    size_t at = csr.rfind("\n-----END") - 6;
    while (!std::isalnum(static_cast<unsigned char>(csr[at]))) --at;
    csr[at] = csr[at] == 'A' ? 'B' : 'A';
    expectRefused(body(csr), 400, "does not verify");
}

TEST_F(TerminalRenewalTest, ARequestForAKeyTheTerminalAlreadyHasIsRefused) {
    // The event key must stay the events' alone; the current TLS key would renew nothing.
    const std::string pem = Ed25519Key::fromPrivatePem(event_key.privatePem()).privatePem();
    expectRefused(body(CertificateRequest::create(Ed25519Key::fromPrivatePem(pem), "pc-1")), 400, "new key pair");
}

TEST_F(TerminalRenewalTest, ARequestFromADecommissionedTerminalIsRefused) {
    store->decommissionTerminal("pc-1", {1'767'225'600, "2026-01-01", "admin", "gone", ""});
    expectRefused(body(CertificateRequest::create(Ed25519Key::generate(), "pc-1")), 409, "decommissioned");
}
