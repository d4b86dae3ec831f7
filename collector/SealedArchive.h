#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mamori::collector {

// A few small files (the collector's keys and configuration) sealed under a passphrase, for a
// backup that may sit on a shared disk or tape: scrypt turns the passphrase into an AES-256-GCM
// key, so a wrong passphrase or a changed byte is refused, never half-read.
//   "mamori-sealed-1\n" | log2 N (1 byte) | salt (16) | nonce (12) | ciphertext | tag (16)
// The header is authenticated with the ciphertext. The plaintext is the files packed one after
// another: name length (2 bytes, big-endian) | name | mode (4) | data length (4) | data.
class SealedArchive {
public:
    struct File {
        std::string name;  // a plain file name: letters, digits, '.', '_', '-'; no directories
        unsigned mode = 0600;
        std::string data;
    };

    // log2 of scrypt's N: 2^15 × 128 × r(8) = 32 MiB and about 0.1 s here; what open accepts is
    // bounded (2^18: 256 MiB) so that a crafted header cannot ask for gigabytes.
    static constexpr int kCost = 15, kMinCost = 10, kMaxCost = 18;

    static std::string seal(const std::vector<File>& files, std::string_view passphrase, int cost = kCost);
    // Throws common::UserError: not a sealed archive, a wrong passphrase or altered bytes, or
    // contents that are not files as seal wrote them.
    static std::vector<File> open(std::string_view sealed, std::string_view passphrase);

    // The plaintext layout alone (what open does after decryption), for its own tests.
    static std::string pack(const std::vector<File>& files);
    static std::vector<File> unpack(std::string_view packed);
};

}  // namespace mamori::collector
