#include "mamori/platform/InstalledSoftware.h"

#include <array>

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

InstalledSoftware::InstalledSoftware(std::vector<SoftwarePackage> packages,
                                     std::unordered_map<std::string, uint32_t> owners)
    : packages_(std::move(packages)), owners_(std::move(owners)) {
    by_name_.reserve(packages_.size());
    for (uint32_t i = 0; i < packages_.size(); ++i) by_name_.emplace(packages_[i].name, i);
}

const SoftwarePackage* InstalledSoftware::find(std::string_view name) const {
    auto it = by_name_.find(std::string(name));
    return it == by_name_.end() ? nullptr : &packages_[it->second];
}

FileOwner InstalledSoftware::owner(std::string_view path) const {
    if (path.empty() || path.front() != '/') return {};
    std::string key(path);
    if (auto it = owners_.find(key); it != owners_.end() && it->second < packages_.size()) {
        return {&packages_[it->second], std::move(key)};
    }
    std::string alias = mergedUsrAlias(path);
    if (alias.empty()) return {};
    if (auto it = owners_.find(alias); it != owners_.end() && it->second < packages_.size()) {
        return {&packages_[it->second], std::move(alias)};
    }
    return {};
}

}  // namespace mamori::platform
