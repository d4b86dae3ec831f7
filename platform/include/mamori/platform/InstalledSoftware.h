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

// An immutable snapshot of what is installed and which package owns which path. Built off the
// reactor and then shared read-only between the reactor and the hashing pool.
class InstalledSoftware {
public:
    InstalledSoftware() = default;
    // owners maps a listed path to an index into packages.
    InstalledSoftware(std::vector<SoftwarePackage> packages, std::unordered_map<std::string, uint32_t> owners);

    const std::vector<SoftwarePackage>& packages() const { return packages_; }
    const SoftwarePackage* find(std::string_view name) const;
    // The package that lists path (or its merged-/usr alias); package is null when none does.
    FileOwner owner(std::string_view path) const;

private:
    std::vector<SoftwarePackage> packages_;
    std::unordered_map<std::string, uint32_t> owners_;
    std::unordered_map<std::string, uint32_t> by_name_;
};

}  // namespace mamori::platform
