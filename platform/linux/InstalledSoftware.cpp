#include "mamori/platform/InstalledSoftware.h"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>

namespace mamori::platform {

namespace {

// Debian's merged /usr: /bin, /sbin and /lib* are symbolic links into /usr, packages still list
// the old paths, and the kernel reports the resolved one. Either spelling finds the owner.
constexpr std::array<std::string_view, 6> kMergedDirs = {"bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"};

std::string mergedUsrAlias(std::string_view path) {
    if (path.starts_with("/usr/")) {
        std::string_view rest = path.substr(4);  // "/bin/true"
        for (auto d : kMergedDirs) {
            if (rest.substr(1).starts_with(d)) return std::string(rest);
        }
        return {};
    }
    for (auto d : kMergedDirs) {
        if (path.substr(1).starts_with(d)) return "/usr" + std::string(path);
    }
    return {};
}

}  // namespace

InstalledSoftware::InstalledSoftware(std::vector<SoftwarePackage> packages, std::vector<PathOwner> owners,
                                     const std::filesystem::path& index_dir)
    : packages_(std::move(packages)), owners_(std::move(owners), index_dir) {
    packages_.shrink_to_fit();  // kept for as long as the agent runs: no room to grow
    by_name_.resize(packages_.size());
    std::iota(by_name_.begin(), by_name_.end(), 0u);
    std::stable_sort(by_name_.begin(), by_name_.end(),
                     [this](uint32_t a, uint32_t b) { return packages_[a].name < packages_[b].name; });
}

uint64_t InstalledSoftware::pathKey(std::string_view path) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(path.data()), path.size(), digest);
    uint64_t key;
    std::memcpy(&key, digest, sizeof key);
    return key;
}

const SoftwarePackage* InstalledSoftware::ownerOf(std::string_view path) const {
    const auto package = owners_.find(pathKey(path));
    return package && *package < packages_.size() ? &packages_[*package] : nullptr;
}

const SoftwarePackage* InstalledSoftware::find(std::string_view name) const {
    auto it = std::lower_bound(by_name_.begin(), by_name_.end(), name,
                               [this](uint32_t i, std::string_view n) { return std::string_view(packages_[i].name) < n; });
    return it == by_name_.end() || packages_[*it].name != name ? nullptr : &packages_[*it];
}

FileOwner InstalledSoftware::owner(std::string_view path) const {
    if (path.empty() || path.front() != '/') return {};
    if (const auto* p = ownerOf(path)) return {p, std::string(path)};
    std::string alias = mergedUsrAlias(path);
    if (alias.empty()) return {};
    if (const auto* p = ownerOf(alias)) return {p, std::move(alias)};
    return {};
}

}  // namespace mamori::platform
