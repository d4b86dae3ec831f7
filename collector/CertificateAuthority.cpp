#include "collector/CertificateAuthority.h"

#include <boost/asio/ip/address.hpp>
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

}  // namespace

CertificateAuthority CertificateAuthority::create(const std::filesystem::path& dir, const std::string& organisation) {
    if (std::filesystem::exists(dir / "ca.key") || std::filesystem::exists(dir / "ca.pem"))
        throw std::runtime_error("a CA already exists in " + dir.string());
    std::filesystem::create_directories(dir);
    Ed25519Key key = Ed25519Key::generate();
    X509Ptr cert = skeleton(key.get(), organisation + " mamori CA", std::chrono::days(20 * 365));
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    addExtension(cert.get(), nullptr, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    addExtension(cert.get(), nullptr, NID_key_usage, "critical,keyCertSign,cRLSign");
    addExtension(cert.get(), nullptr, NID_subject_key_identifier, "hash");
    if (X509_sign(cert.get(), key.get(), nullptr) <= 0) throw std::runtime_error("cannot self-sign the CA");
    common::Files::writeSecret(dir / "ca.key", key.privatePem());
    mamori::common::Files::writeAtomic(dir / "ca.pem", toPem(cert.get()));
    return load(dir);
}

std::string CertificateAuthority::selfSignedServer(EVP_PKEY* key, const std::vector<std::string>& names,
                                                   std::chrono::seconds validity) {
    X509Ptr cert = skeleton(key, names.empty() ? "mamori-collector" : names.front(), validity);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    addExtension(cert.get(), nullptr, NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), nullptr, NID_key_usage, "critical,digitalSignature");
    addExtension(cert.get(), nullptr, NID_ext_key_usage, "serverAuth");
    addExtension(cert.get(), nullptr, NID_subject_key_identifier, "hash");
    addNames(cert.get(), nullptr, names);
    if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) throw std::runtime_error("cannot self-sign the certificate");
    return toPem(cert.get());
}

CertificateAuthority CertificateAuthority::load(const std::filesystem::path& dir) {
    return CertificateAuthority(Ed25519Key::fromPrivatePem(common::Files::read(dir / "ca.key")),
                                Certificate::fromPem(mamori::common::Files::read(dir / "ca.pem")));
}

std::string CertificateAuthority::issue(EVP_PKEY* subject_key, const std::string& cn,
                                        const std::vector<std::string>& names, bool server,
                                        std::chrono::seconds validity) const {
    X509Ptr cert = skeleton(subject_key, cn, validity);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert_.get()));
    addExtension(cert.get(), cert_.get(), NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), cert_.get(), NID_key_usage, "critical,digitalSignature");
    addExtension(cert.get(), cert_.get(), NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
    addExtension(cert.get(), cert_.get(), NID_authority_key_identifier, "keyid:always");
    addNames(cert.get(), cert_.get(), names);
    if (X509_sign(cert.get(), key_.get(), nullptr) <= 0) throw std::runtime_error("cannot sign certificate");
    return toPem(cert.get());
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
