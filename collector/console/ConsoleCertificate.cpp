#include "collector/console/ConsoleCertificate.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <memory>
#include <stdexcept>

#include "collector/CertificateAuthority.h"
#include "mamori/common/Files.h"
#include "mamori/common/Log.h"
#include "mamori/proto/Certificate.h"

namespace mamori::collector {

namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

// As long as the terminals' certificates by default; browsers hold a CA an administrator
// installed to no maximum lifetime (the public web's 398 days are for public CAs).
constexpr std::chrono::seconds kValidity = std::chrono::days(825);

std::string privatePem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
        throw std::runtime_error("cannot write the console's key");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
}

}  // namespace

void ConsoleCertificate::ensure(const std::filesystem::path& dir) {
    if (std::filesystem::exists(dir / "console.pem") && std::filesystem::exists(dir / "console.key")) return;
    KeyPtr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    if (!key) throw std::runtime_error("cannot make an ECDSA P-256 key for the console");
    const auto names = mamori::proto::Certificate::fromPem(common::Files::read(dir / "server.pem")).subjectAltNames();
    const auto chain = CertificateAuthority::oneTimeServerChain(key.get(), names, kValidity);
    // The key first: a certificate without its key would be a listener that cannot start.
    common::Files::writeSecret(dir / "console.key", privatePem(key.get()));
    common::Files::writeAtomic(dir / "console-ca.pem", chain.ca_pem);
    // The certificate, then its CA: the chain the listener sends.
    common::Files::writeAtomic(dir / "console.pem", chain.certificate_pem + chain.ca_pem);
    Log::info("made console.pem, the console's certificate for browsers (ECDSA P-256), in " + dir.string() +
              "; trust console-ca.pem as an authority in the management terminals' browsers (its key is not kept: "
              "it vouches for this certificate only), or replace console.pem and console.key with the city's own");
}

void ConsoleCertificate::addTo(SSL_CTX* ctx, const std::filesystem::path& dir) {
    const std::string cert = (dir / "console.pem").string(), key = (dir / "console.key").string();
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)
        throw std::runtime_error("cannot use " + cert + " and " + key +
                                 " for the console (a certificate chain and its private key, PEM); remove both for a new "
                                 "pair, issued at the next start");
    // The signature is the server's choice, in this order: a client that offers Ed25519 gets the
    // collector's own certificate, whatever order it lists its algorithms in.
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set1_sigalgs_list(ctx, "ed25519:ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:rsa_pss_rsae_sha256:"
                                       "rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pss_pss_sha256:RSA+SHA256:RSA+SHA384") != 1)
        throw std::runtime_error("cannot set the admin listener's signature algorithms");
}

}  // namespace mamori::collector
