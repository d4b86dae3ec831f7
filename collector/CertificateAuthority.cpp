#include "collector/CertificateAuthority.h"

#include <boost/asio/ip/address.hpp>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "mamori/common/Files.h"

namespace mamori::collector {

using mamori::proto::Certificate;
using mamori::proto::Ed25519Key;

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) throw std::runtime_error("bad certificate extension " + value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

X509Ptr skeleton(EVP_PKEY* subject_key, const std::string& cn, std::chrono::seconds validity) {
    X509Ptr cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    // 128-bit random serials: unique without keeping a counter that a restore could rewind.
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    // Tolerate a terminal slightly behind: five minutes, or a tenth of a short lifetime, so that
    // a renewal due at a share of the lifetime is not due at once.
    const long backdate = validity.count() > 0 ? static_cast<long>(std::min<int64_t>(300, validity.count() / 10)) : 300;
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -backdate);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validity.count()));
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                               0);
    X509_set_pubkey(cert.get(), subject_key);
    return cert;
}

std::string toPem(X509* cert) { return Certificate::fromX509(cert).pem(); }

// The names a server certificate answers to, as DNS or IP entries.
void addNames(X509* cert, X509* issuer, const std::vector<std::string>& names) {
    if (names.empty()) return;
    std::string san;
    for (const auto& n : names) {
        // A scoped IPv6 address (fe80::1%eth0) has no place in a certificate: not an IP entry.
        boost::system::error_code ec;
        boost::asio::ip::make_address(n, ec);
        const bool ip = !ec && n.find('%') == std::string::npos;
        san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + n;
    }
    addExtension(cert, issuer, NID_subject_alt_name, san);
}

// Ed25519 signs the message itself; other keys sign its SHA-256.
const EVP_MD* digestFor(EVP_PKEY* key) { return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256(); }

// A self-signed CA certificate for `key` that may sign end-entity certificates only.
X509Ptr selfSignedCa(EVP_PKEY* key, const std::string& cn, std::chrono::seconds validity) {
    X509Ptr cert = skeleton(key, cn, validity);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    addExtension(cert.get(), nullptr, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    addExtension(cert.get(), nullptr, NID_key_usage, "critical,keyCertSign,cRLSign");
    addExtension(cert.get(), nullptr, NID_subject_key_identifier, "hash");
    if (X509_sign(cert.get(), key, digestFor(key)) <= 0) throw std::runtime_error("cannot self-sign the CA");
    return cert;
}

// An end-entity certificate for subject_key, signed by ca_key whose certificate is ca_cert.
std::string issueWith(EVP_PKEY* ca_key, X509* ca_cert, EVP_PKEY* subject_key, const std::string& cn,
                      const std::vector<std::string>& names, bool server, std::chrono::seconds validity) {
    X509Ptr cert = skeleton(subject_key, cn, validity);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert));
    addExtension(cert.get(), ca_cert, NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), ca_cert, NID_key_usage, "critical,digitalSignature");
    addExtension(cert.get(), ca_cert, NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
    addExtension(cert.get(), ca_cert, NID_authority_key_identifier, "keyid:always");
    addNames(cert.get(), ca_cert, names);
    if (X509_sign(cert.get(), ca_key, digestFor(ca_key)) <= 0) throw std::runtime_error("cannot sign certificate");
    return toPem(cert.get());
}

}  // namespace

CertificateAuthority CertificateAuthority::create(const std::filesystem::path& dir, const std::string& organisation) {
    if (std::filesystem::exists(dir / "ca.key") || std::filesystem::exists(dir / "ca.pem"))
        throw std::runtime_error("a CA already exists in " + dir.string());
    std::filesystem::create_directories(dir);
    Ed25519Key key = Ed25519Key::generate();
    X509Ptr cert = selfSignedCa(key.get(), organisation + " mamori CA", std::chrono::days(20 * 365));
    common::Files::writeSecret(dir / "ca.key", key.privatePem());
    mamori::common::Files::writeAtomic(dir / "ca.pem", toPem(cert.get()));
    return load(dir);
}

CertificateAuthority::Chain CertificateAuthority::oneTimeServerChain(EVP_PKEY* key, const std::vector<std::string>& names,
                                                                   std::chrono::seconds validity) {
    using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
    KeyPtr ca_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    if (!ca_key) throw std::runtime_error("cannot make an ECDSA P-256 key");
    const std::string cn = names.empty() ? "mamori-collector" : names.front();
    X509Ptr ca = selfSignedCa(ca_key.get(), cn + " mamori console CA", validity);
    // The CA's key goes out of scope here, never written anywhere.
    return {issueWith(ca_key.get(), ca.get(), key, cn, names, true, validity), toPem(ca.get())};
}

CertificateAuthority CertificateAuthority::load(const std::filesystem::path& dir) {
    return CertificateAuthority(Ed25519Key::fromPrivatePem(common::Files::read(dir / "ca.key")),
                                Certificate::fromPem(mamori::common::Files::read(dir / "ca.pem")));
}

std::string CertificateAuthority::issue(EVP_PKEY* subject_key, const std::string& cn,
                                        const std::vector<std::string>& names, bool server,
                                        std::chrono::seconds validity) const {
    return issueWith(key_.get(), cert_.get(), subject_key, cn, names, server, validity);
}

std::string CertificateAuthority::issueClient(const mamori::proto::CertificateRequest& csr,
                                              const std::string& terminal_id, std::chrono::seconds validity) const {
    return issueClient(csr.publicKey(), terminal_id, validity);
}

std::string CertificateAuthority::issueClient(const Ed25519Key& public_key, const std::string& terminal_id,
                                              std::chrono::seconds validity) const {
    return issue(public_key.get(), terminal_id, {}, false, validity);
}

std::string CertificateAuthority::issueServer(const Ed25519Key& key, const std::vector<std::string>& names,
                                              std::chrono::seconds validity) const {
    return issue(key.get(), names.empty() ? "mamori-collector" : names.front(), names, true, validity);
}

}  // namespace mamori::collector
