#include "mamori/proto/Sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace mamori::proto {

namespace {

// Fetched once for the process. EVP_sha256() makes OpenSSL 3 look the algorithm up in its
// provider store, under a global lock, at every initialisation: that was 8 % of the collector's
// CPU under ingest_bench, for two lookups per event whose chain link it checks.
const EVP_MD* sha256() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

}  // namespace

struct Sha256::Ctx {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    bool failed = false;  // an OpenSSL call failed since the digest began: finish() throws
};

Sha256::Sha256() : ctx_(new Ctx) {
    if (!ctx_->md || !sha256() || EVP_DigestInit_ex2(ctx_->md, sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx_->md);
        delete ctx_;
        throw std::runtime_error("SHA-256 initialisation failed");
    }
}

Sha256::~Sha256() {
    EVP_MD_CTX_free(ctx_->md);
    delete ctx_;
}

Sha256& Sha256::update(std::string_view data) {
    if (EVP_DigestUpdate(ctx_->md, data.data(), data.size()) != 1) ctx_->failed = true;
    return *this;
}

std::string Sha256::finish() {
    std::string out(32, '\0');
    unsigned int len = 0;
    const bool digested =
        !ctx_->failed && EVP_DigestFinal_ex(ctx_->md, reinterpret_cast<unsigned char*>(out.data()), &len) == 1;
    // The same digest again, whatever happened above: OpenSSL keeps the provider's context and
    // only resets it. A context may serve its thread for life (linkHash), so a failure is never
    // a wrong digest, now or at the next use.
    ctx_->failed = EVP_DigestInit_ex2(ctx_->md, sha256(), nullptr) != 1;
    if (!digested) throw std::runtime_error("SHA-256 failed");
    return out;
}

std::string Sha256::of(std::string_view data) {
    thread_local Sha256 h;  // finish() leaves it ready for the next digest
    return h.update(data).finish();
}

std::string Sha256::hex(std::string_view raw) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size() * 2);
    for (unsigned char c : raw) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::string Sha256::fromHex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (hex.size() % 2) return {};
    std::string out;
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return {};
        out.push_back(static_cast<char>(hi << 4 | lo));
    }
    return out;
}

}  // namespace mamori::proto
