#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mamori/platform/PathOwnerIndex.h"

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

// An immutable snapshot of what is installed and which package owns which path. Built off the
// reactor and then shared read-only between the reactor and the work pool.
//
// Paths are kept as 64-bit keys, not strings: a desktop lists some 150,000 paths, which as a
// hash map of strings cost the resident agent about 20 MB; as sorted keys 1.9 MB, and nothing
// resident once the index is in a file (PathOwnerIndex).
class InstalledSoftware {
public:
    InstalledSoftware() = default;
    // Where several packages list one path (a shared directory), the first one listed owns it.
    // index_dir: a directory on disk for the path index, or empty to keep it in memory.
    InstalledSoftware(std::vector<SoftwarePackage> packages, std::vector<PathOwner> owners,
                      const std::filesystem::path& index_dir = {});

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
    PathOwnerIndex owners_;  // a listed path's key -> its owner's index in packages_
    // Indices into packages_ in the order of their names, the first listed first among equal
    // names (a package of two architectures): 4 bytes a package, where a map copied every name.
    std::vector<uint32_t> by_name_;
};

}  // namespace mamori::platform
