#pragma once
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

    // A client certificate for CN = terminal_id, bound to the request's key.
    std::string issueClient(const mamori::proto::CertificateRequest& csr, const std::string& terminal_id,
                            int valid_days) const;
    // A server certificate with DNS/IP subject alternative names.
    std::string issueServer(const mamori::proto::Ed25519Key& key, const std::vector<std::string>& names,
                            int valid_days) const;

    const mamori::proto::Certificate& certificate() const { return cert_; }

private:
    CertificateAuthority(mamori::proto::Ed25519Key key, mamori::proto::Certificate cert)
        : key_(std::move(key)), cert_(std::move(cert)) {}
    std::string issue(EVP_PKEY* subject_key, const std::string& cn, const std::vector<std::string>& names,
                      bool server, int valid_days) const;
    mamori::proto::Ed25519Key key_;
    mamori::proto::Certificate cert_;
};

}  // namespace mamori::collector
