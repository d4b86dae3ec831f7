#include "mamori/proto/EnrollmentToken.h"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "mamori/proto/Sha256.h"

namespace mamori::proto {

std::string EnrollmentToken::secretHash() const { return Sha256::hex(Sha256::of(secret)); }

EnrollmentToken EnrollmentToken::generate(const std::string& ca_fingerprint) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no randomness for a token");
    std::string secret;
    for (unsigned char c : raw) secret.push_back(alphabet[c & 63]);  // 192 bits
    return EnrollmentToken{secret, ca_fingerprint};
}

std::optional<EnrollmentToken> EnrollmentToken::parse(std::string_view text) {
    if (text.substr(0, 8) != "mamori1.") return std::nullopt;
    text.remove_prefix(8);
    auto dot = text.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    EnrollmentToken t{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
    auto b64 = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
    auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    if (t.secret.size() < 16 || !std::all_of(t.secret.begin(), t.secret.end(), b64)) return std::nullopt;
    if (t.ca_fingerprint.size() != 64 || !std::all_of(t.ca_fingerprint.begin(), t.ca_fingerprint.end(), hex))
        return std::nullopt;
    // A token read aloud or retyped may come back in capitals; the pin compares as lower case.
    std::transform(t.ca_fingerprint.begin(), t.ca_fingerprint.end(), t.ca_fingerprint.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return t;
}

}  // namespace mamori::proto
