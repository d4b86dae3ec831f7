#pragma once
#include <string>
#include <string_view>

namespace mamori::proto {

// SHA-256 through OpenSSL's EVP interface; digests are raw 32-byte strings.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    Sha256& update(std::string_view data);
    // The raw digest; the object may be reused after this. Throws std::runtime_error if OpenSSL
    // failed in this digest (never a wrong digest).
    std::string finish();

    static std::string of(std::string_view data);
    static std::string hex(std::string_view raw);
    static std::string fromHex(std::string_view hex);  // empty on malformed input

private:
    struct Ctx;
    Ctx* ctx_;
};

}  // namespace mamori::proto
