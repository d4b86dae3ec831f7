#include "mamori/proto/CertificateRequest.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

namespace mamori::proto {

std::string CertificateRequest::create(const Ed25519Key& key, const std::string& common_name) {
    std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(X509_REQ_new(), X509_REQ_free);
    X509_NAME* name = X509_REQ_get_subject_name(req.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                               -1, -1, 0);
    // Ed25519 signs the whole message itself: no digest is named.
    if (X509_REQ_set_pubkey(req.get(), key.get()) != 1 || X509_REQ_sign(req.get(), key.get(), nullptr) <= 0)
        throw std::runtime_error("cannot sign the certificate request");
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(bio, req.get());
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
}

CertificateRequest CertificateRequest::parse(std::string_view pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(
        bio ? PEM_read_bio_X509_REQ(bio, nullptr, nullptr, nullptr) : nullptr, X509_REQ_free);
    BIO_free(bio);
    if (!req) throw std::invalid_argument("not a PEM certificate request");
    EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
    if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519)
        throw std::invalid_argument("the certificate request's key is not Ed25519");
    if (X509_REQ_verify(req.get(), key) != 1)
        throw std::invalid_argument("the certificate request's signature does not verify");
    std::string raw(32, '\0');
    size_t len = raw.size();
    EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len);
    X509_NAME* name = X509_REQ_get_subject_name(req.get());
    std::string cn;
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx >= 0) {
        unsigned char* utf8 = nullptr;
        int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
        if (n > 0) cn.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
        OPENSSL_free(utf8);
    }
    return CertificateRequest(std::move(cn), Ed25519Key::fromPublicRaw(raw));
}

}  // namespace mamori::proto
