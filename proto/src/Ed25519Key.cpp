#include "mamori/proto/Ed25519Key.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdexcept>


namespace mamori::proto {

void Ed25519Key::Free::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

Ed25519Key Ed25519Key::generate() {
    EVP_PKEY* key = nullptr;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
    bool ok = ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &key) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) throw std::runtime_error("Ed25519 key generation failed");
    return Ed25519Key(key, true);
}

Ed25519Key Ed25519Key::fromPublicRaw(std::string_view raw) {
    if (raw.size() != 32) throw std::invalid_argument("an Ed25519 public key is 32 bytes");
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
    if (!key) throw std::invalid_argument("malformed Ed25519 public key");
    return Ed25519Key(key, false);
}

Ed25519Key Ed25519Key::fromPrivatePem(std::string_view pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    if (!key) throw std::invalid_argument("not a PEM private key");
    if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(key);
        throw std::invalid_argument("the private key is not Ed25519");
    }
    return Ed25519Key(key, true);
}

std::string Ed25519Key::privatePem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
}

std::string Ed25519Key::publicRaw() const {
    std::string out(32, '\0');
    size_t len = out.size();
    if (EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1)
        throw std::runtime_error("cannot export Ed25519 public key");
    return out;
}

std::string Ed25519Key::sign(std::string_view message) const {
    if (!has_private_) throw std::logic_error("signing needs the private key");
    std::string sig(64, '\0');
    size_t len = sig.size();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
              EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) throw std::runtime_error("Ed25519 signing failed");
    return sig;
}

bool Ed25519Key::verify(std::string_view message, std::string_view signature) const {
    if (signature.size() != 64) return false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
              EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                               reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

}  // namespace mamori::proto
