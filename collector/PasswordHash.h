#pragma once
#include <string>
#include <string_view>

namespace mamori::collector {

// Console passwords, kept only as argon2id hashes in the PHC string form
// ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), so the cost travels with each hash and can be
// raised without invalidating those already stored. The cost is OWASP's minimum for argon2id:
// 19 MiB and two passes, about 40 ms of one core here; a login is rare, a guess must be dear.
class PasswordHash {
public:
    static constexpr uint32_t kMemoryKiB = 19 * 1024;
    static constexpr uint32_t kPasses = 2;
    // Below this a password is refused when set; above kMaxLength too (hashing a megabyte would
    // make each guess cost the server instead of the guesser).
    static constexpr std::size_t kMinLength = 10;
    static constexpr std::size_t kMaxLength = 256;

    // A new hash with a fresh random salt. Throws common::UserError for a password too short or
    // too long, std::runtime_error when argon2 fails.
    static std::string make(std::string_view password);
    // Whether `password` matches `encoded`; false for anything that is not an argon2id hash.
    static bool matches(const std::string& encoded, std::string_view password);
    // A hash of nothing anyone knows: checked against for an unknown account, so that a wrong
    // name costs the same time as a wrong password and names cannot be told apart.
    static const std::string& decoy();
};

}  // namespace mamori::collector
