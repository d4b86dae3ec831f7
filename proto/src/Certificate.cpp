#include "mamori/proto/Certificate.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

#include "mamori/proto/Sha256.h"

namespace mamori::proto {

namespace {
std::shared_ptr<X509> adopt(X509* x) { return std::shared_ptr<X509>(x, X509_free); }
}  // namespace

Certificate Certificate::fromPem(std::string_view pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    if (!x) throw std::invalid_argument("not a PEM certificate");
    return Certificate(adopt(x));
}

Certificate Certificate::fromX509(X509* cert) {
    X509_up_ref(cert);
    return Certificate(adopt(cert));
}

std::string Certificate::pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert_.get());
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
}

std::string Certificate::commonName() const {
    X509_NAME* name = X509_get_subject_name(cert_.get());
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx < 0) return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
    return out;
}

std::string Certificate::publicKeyRaw() const {
    EVP_PKEY* key = X509_get0_pubkey(cert_.get());
    if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519) return {};
    std::string out(32, '\0');
    size_t len = out.size();
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &len) != 1) return {};
    return out;
}

namespace {
int64_t unixOf(const ASN1_TIME* t) {
    struct tm tm {};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    return static_cast<int64_t>(timegm(&tm));
}
}  // namespace

int64_t Certificate::notBeforeUnix() const { return unixOf(X509_get0_notBefore(cert_.get())); }
int64_t Certificate::notAfterUnix() const { return unixOf(X509_get0_notAfter(cert_.get())); }

std::vector<std::string> Certificate::subjectAltNames() const {
    std::vector<std::string> out;
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, nullptr, nullptr));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
        if (n->type == GEN_DNS) {
            const ASN1_IA5STRING* dns = n->d.dNSName;
            out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                             static_cast<size_t>(ASN1_STRING_length(dns)));
        } else if (n->type == GEN_IPADD) {
            // 4 bytes (IPv4, dotted) or 16 (IPv6, eight groups uncompressed): both parse back alike.
            const unsigned char* b = ASN1_STRING_get0_data(n->d.iPAddress);
            const int len = ASN1_STRING_length(n->d.iPAddress);
            std::string text;
            char part[8];
            if (len == 4) {
                for (int k = 0; k < 4; ++k) {
                    std::snprintf(part, sizeof part, k ? ".%u" : "%u", static_cast<unsigned>(b[k]));
                    text += part;
                }
            } else if (len == 16) {
                for (int k = 0; k < 16; k += 2) {
                    std::snprintf(part, sizeof part, k ? ":%x" : "%x", static_cast<unsigned>((b[k] << 8) | b[k + 1]));
                    text += part;
                }
            }
            if (!text.empty()) out.push_back(std::move(text));
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

std::string Certificate::fingerprint() const {
    unsigned char* der = nullptr;
    int len = i2d_X509(cert_.get(), &der);
    if (len <= 0) return {};
    std::string out = Sha256::hex(Sha256::of(std::string_view(reinterpret_cast<char*>(der), static_cast<size_t>(len))));
    OPENSSL_free(der);
    return out;
}

bool Certificate::issuedBy(const Certificate& issuer, int64_t now_unix) const {
    if (X509_verify(cert_.get(), X509_get0_pubkey(issuer.get())) != 1) return false;
    time_t now = static_cast<time_t>(now_unix);
    return X509_cmp_time(X509_get0_notBefore(cert_.get()), &now) < 0 &&
           X509_cmp_time(X509_get0_notAfter(cert_.get()), &now) > 0;
}

}  // namespace mamori::proto
