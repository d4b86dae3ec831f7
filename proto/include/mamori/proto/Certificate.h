#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mamori/proto/Ed25519Key.h"

typedef struct x509_st X509;

namespace mamori::proto {

// An X.509 certificate as the two sides use it: who it names, its key, its validity.
class Certificate {
public:
    static Certificate fromPem(std::string_view pem);  // throws std::invalid_argument
    static Certificate fromX509(X509* cert);           // takes a reference, does not adopt

    std::string pem() const;
    std::string commonName() const;
    std::string publicKeyRaw() const;  // raw Ed25519; empty for other key types
    int64_t notBeforeUnix() const;
    int64_t notAfterUnix() const;
    // The DNS names and IP addresses of the subject alternative names, in order (a server
    // certificate is renewed for the same names).
    std::vector<std::string> subjectAltNames() const;
    std::string fingerprint() const;   // SHA-256 of the DER, hex: what an enrollment token pins
    // True when issuer signed this certificate and it is valid at now_unix.
    bool issuedBy(const Certificate& issuer, int64_t now_unix) const;

    X509* get() const { return cert_.get(); }

private:
    explicit Certificate(std::shared_ptr<X509> c) : cert_(std::move(c)) {}
    std::shared_ptr<X509> cert_;
};

}  // namespace mamori::proto
