#pragma once
#include <memory>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace mamori::proto {

// An Ed25519 key pair (or a public key alone) held in an OpenSSL EVP_PKEY.
// The same key type serves the terminal's TLS identity, event signatures and policy signatures.
class Ed25519Key {
public:
    static Ed25519Key generate();
    static Ed25519Key fromPublicRaw(std::string_view raw32);   // throws on a malformed key
    static Ed25519Key fromPrivatePem(std::string_view pem);    // throws on a malformed key

    // PKCS#8 PEM. Files::writeSecret stores it (0600 from the first byte).
    std::string privatePem() const;
    std::string publicRaw() const;  // 32 bytes
    bool hasPrivate() const { return has_private_; }

    std::string sign(std::string_view message) const;  // 64 bytes
    bool verify(std::string_view message, std::string_view signature) const;

    EVP_PKEY* get() const { return key_.get(); }

private:
    struct Free {
        void operator()(EVP_PKEY* k) const;
    };
    Ed25519Key(EVP_PKEY* key, bool has_private) : key_(key, Free{}), has_private_(has_private) {}
    std::shared_ptr<EVP_PKEY> key_;
    bool has_private_ = false;
};

}  // namespace mamori::proto
