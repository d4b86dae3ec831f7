#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mamori::platform {

// One installed package as the package database records it.
struct SoftwarePackage {
    std::string name;
    std::string version;
    std::string architecture;
};

// A file's owning package, and the path under which the package lists it (which differs from
// the executed path on merged-/usr systems: dpkg lists /bin/true, the kernel runs /usr/bin/true).
struct FileOwner {
    const SoftwarePackage* package = nullptr;
    std::string listed_path;
};

// One listed path, by its key, and the index of the package that lists it.
struct PathOwner {
    uint64_t path_key = 0;  // InstalledSoftware::pathKey(listed path)
    uint32_t package = 0;
};

// An immutable snapshot of what is installed and which package owns which path. Built off the
// reactor and then shared read-only between the reactor and the work pool.
//
// Paths are kept as 64-bit keys, not strings: a desktop lists some 200,000 paths, which as a
// hash map of strings cost the resident agent about 20 MB; as sorted keys they cost 3 MB, and
// 2.4 MB with the keys and their packages in two arrays (a struct of both is padded to 16 bytes).
class InstalledSoftware {
public:
    InstalledSoftware() = default;
    // Where several packages list one path (a shared directory), the first one listed owns it.
    InstalledSoftware(std::vector<SoftwarePackage> packages, std::vector<PathOwner> owners);

    // The first 64 bits of SHA-256: nobody can name a file so that it takes the key, and so the
    // owner, of a packaged path (a fast non-cryptographic hash would allow exactly that).
    static uint64_t pathKey(std::string_view path);

    const std::vector<SoftwarePackage>& packages() const { return packages_; }
    const SoftwarePackage* find(std::string_view name) const;
    // The package that lists path (or its merged-/usr alias); package is null when none does.
    FileOwner owner(std::string_view path) const;

private:
    const SoftwarePackage* ownerOf(std::string_view path) const;  // null when no package lists path

    std::vector<SoftwarePackage> packages_;
    std::vector<uint64_t> path_keys_;  // sorted, one entry per key
    std::vector<uint32_t> owners_;     // owners_[i]: the index in packages_ of path_keys_[i]'s owner
    std::unordered_map<std::string, uint32_t> by_name_;
};

}  // namespace mamori::platform
