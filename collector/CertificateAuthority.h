#pragma once
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "mamori/proto/Certificate.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/Ed25519Key.h"

namespace mamori::collector {

// The collector's own CA: it issues the collector's TLS certificate and, at enrollment, the
// terminals' client certificates. Its key is created on the collector and never leaves it.
class CertificateAuthority {
public:
    // Creates ca.key (0600) and ca.pem in dir. Throws if they exist: a CA is never replaced silently.
    static CertificateAuthority create(const std::filesystem::path& dir, const std::string& organisation);
    static CertificateAuthority load(const std::filesystem::path& dir);

    // A client certificate for CN = terminal_id, bound to the request's key. Valid from a little
    // before now (a terminal slightly behind still accepts it) for `validity`.
    std::string issueClient(const mamori::proto::CertificateRequest& csr, const std::string& terminal_id,
                            std::chrono::seconds validity) const;
    // The same for a public key whose possession the terminal proved before: its event-signing
    // key, proved by the CSR at enrollment, is vouched for again when its TLS key is renewed.
    std::string issueClient(const mamori::proto::Ed25519Key& public_key, const std::string& terminal_id,
                            std::chrono::seconds validity) const;
    // A server certificate with DNS/IP subject alternative names.
    std::string issueServer(const mamori::proto::Ed25519Key& key, const std::vector<std::string>& names,
                            std::chrono::seconds validity) const;

    // A server certificate for a key browsers accept where this CA's Ed25519 is not
    // (ConsoleCertificate), with the names, issued by an ECDSA P-256 CA of its own whose key is
    // made, used once and forgotten: trusting that CA trusts this one certificate and no other.
    // Browsers take no self-signed server certificate as a trust anchor, hence the two.
    struct Chain {
        std::string certificate_pem, ca_pem;
    };
    static Chain oneTimeServerChain(EVP_PKEY* key, const std::vector<std::string>& names,
                                    std::chrono::seconds validity);
    const mamori::proto::Certificate& certificate() const { return cert_; }

private:
    CertificateAuthority(mamori::proto::Ed25519Key key, mamori::proto::Certificate cert)
        : key_(std::move(key)), cert_(std::move(cert)) {}
    std::string issue(EVP_PKEY* subject_key, const std::string& cn, const std::vector<std::string>& names,
                      bool server, std::chrono::seconds validity) const;
    mamori::proto::Ed25519Key key_;
    mamori::proto::Certificate cert_;
};

}  // namespace mamori::collector
