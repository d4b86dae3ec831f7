#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace mamori::platform {

// What makes two looks at a file "the same content" without reading it: any write, truncate,
// chmod or rename-over changes at least one of these, so a digest cached under this key is
// never reused for different bytes.
struct FileIdentity {
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;

    friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

struct FileIdentityHash {
    size_t operator()(const FileIdentity& f) const noexcept {
        uint64_t h = f.inode * 0x9E3779B97F4A7C15ull;
        for (uint64_t v : {f.device, f.size, static_cast<uint64_t>(f.mtime_ns), static_cast<uint64_t>(f.ctime_ns)}) {
            h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
        }
        return static_cast<size_t>(h);
    }
};

}  // namespace mamori::platform
