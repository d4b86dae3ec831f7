#include "collector/PasswordHash.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <cstdio>
#include <stdexcept>
#include <vector>

#include "mamori/common/UserError.h"

namespace mamori::collector {

namespace {

constexpr uint32_t kParallelism = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

}  // namespace

std::string PasswordHash::make(std::string_view password) {
    if (password.size() < kMinLength)
        throw common::UserError::invalid(
            "the password must be at least " + std::to_string(kMinLength) + " characters long",
            "パスワードは " + std::to_string(kMinLength) + " 文字以上にしてください");
    if (password.size() > kMaxLength)
        throw common::UserError::invalid("the password must be at most " + std::to_string(kMaxLength) + " bytes long",
                                         "パスワードは " + std::to_string(kMaxLength) + " バイト以内にしてください");
    unsigned char salt[kSaltBytes];
    if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("no randomness for a password salt");
    std::vector<char> encoded(
        argon2_encodedlen(kPasses, kMemoryKiB, kParallelism, kSaltBytes, kHashBytes, Argon2_id));
    const int rc = argon2id_hash_encoded(kPasses, kMemoryKiB, kParallelism, password.data(), password.size(), salt,
                                         sizeof salt, kHashBytes, encoded.data(), encoded.size());
    if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id failed: ") + argon2_error_message(rc));
    return encoded.data();
}

bool PasswordHash::matches(const std::string& encoded, std::string_view password) {
    // Verifying a hash whose stated cost is absurd would let a forged row cost the server
    // gigabytes: only hashes made with at most today's cost are tried.
    if (encoded.rfind("$argon2id$", 0) != 0 || password.size() > kMaxLength) return false;
    unsigned memory = 0, passes = 0, lanes = 0;
    const auto params = encoded.find("$m=");
    if (params == std::string::npos ||
        std::sscanf(encoded.c_str() + params, "$m=%u,t=%u,p=%u$", &memory, &passes, &lanes) != 3 ||
        memory > kMemoryKiB || passes > kPasses || lanes > kParallelism)
        return false;
    return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& PasswordHash::decoy() {
    static const std::string hash = make("not a password anyone knows");
    return hash;
}

}  // namespace mamori::collector
