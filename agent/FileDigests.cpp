#include "agent/FileDigests.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>

#include "mamori/platform/ExecutableFile.h"

namespace mamori::agent {

namespace {

std::string hex(const unsigned char* d, unsigned n) {
    static const char* digits = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (unsigned i = 0; i < n; ++i) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    return out;
}

using Ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

}  // namespace

std::optional<FileDigests> FileDigests::compute(const Reader& read) {
    Ctx md5(EVP_MD_CTX_new(), &EVP_MD_CTX_free), sha(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!md5 || !sha || EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr) != 1 ||
        EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1) {
        return std::nullopt;
    }
    bool ok = read([&](std::string_view chunk) {
        EVP_DigestUpdate(md5.get(), chunk.data(), chunk.size());
        EVP_DigestUpdate(sha.get(), chunk.data(), chunk.size());
    });
    if (!ok) return std::nullopt;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    FileDigests out;
    if (EVP_DigestFinal_ex(md5.get(), d, &n) != 1) return std::nullopt;
    out.md5 = hex(d, n);
    if (EVP_DigestFinal_ex(sha.get(), d, &n) != 1) return std::nullopt;
    out.sha256 = hex(d, n);
    return out;
}

std::optional<FileDigests> FileDigests::ofFile(const std::string& path, uint64_t max_bytes) {
    return compute([&](const std::function<void(std::string_view)>& chunk) {
        std::ifstream in(path, std::ios::binary);
        if (!in) return false;
        std::string buf(mamori::platform::ExecutableFile::kChunkBytes, '\0');
        uint64_t total = 0;
        while (in) {
            in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
            auto n = static_cast<size_t>(in.gcount());
            if (n == 0) break;
            total += n;
            if (total > max_bytes) return false;
            chunk(std::string_view(buf.data(), n));
        }
        return !in.bad();
    });
}

}  // namespace mamori::agent
