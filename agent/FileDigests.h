#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::agent {

// The two digests a program is judged by, from one read of its bytes: MD5 because that is what
// dpkg records per file (is the packaged program unmodified?), SHA-256 because that is what
// administrators approve and what events carry. Lowercase hex.
struct FileDigests {
    std::string md5;
    std::string sha256;

    using Reader = std::function<bool(const std::function<void(std::string_view)>& chunk)>;
    // nullopt when the reader could not read to the end.
    static std::optional<FileDigests> compute(const Reader& read);
    static std::optional<FileDigests> ofFile(const std::string& path, uint64_t max_bytes);
};

}  // namespace mamori::agent
