#pragma once
#include <string>
#include <string_view>

#include "mamori/proto/Ed25519Key.h"

namespace mamori::proto {

// A PKCS#10 request: the terminal proves it holds the key without ever sending it.
class CertificateRequest {
public:
    static std::string create(const Ed25519Key& key, const std::string& common_name);  // PEM
    // Parses the request and checks its self-signature; throws std::invalid_argument.
    static CertificateRequest parse(std::string_view pem);

    const std::string& commonName() const { return common_name_; }
    const Ed25519Key& publicKey() const { return key_; }

private:
    CertificateRequest(std::string cn, Ed25519Key key) : common_name_(std::move(cn)), key_(std::move(key)) {}
    std::string common_name_;
    Ed25519Key key_;
};

}  // namespace mamori::proto
