#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mamori/platform/InstalledSoftware.h"

namespace mamori::platform {

// The package database: what is installed, who owns a path, and each file's packaged checksum.
class SoftwareInventory {
public:
    virtual ~SoftwareInventory() = default;
    // Reads the whole database. Blocking (a desktop lists ~150,000 paths): call it off the
    // reactor. Thread-safe. Throws std::runtime_error when the database cannot be read.
    virtual std::shared_ptr<const InstalledSoftware> load() const = 0;
    // The MD5 the package recorded for listed_path (see FileOwner), lowercase hex, if any.
    // Blocking; thread-safe.
    virtual std::optional<std::string> packagedMd5(const SoftwarePackage& package,
                                                   const std::string& listed_path) const = 0;
    // Calls changed() on the reactor whenever the database is rewritten (an install, removal or
    // upgrade finished), until the inventory is destroyed. Replaces an earlier callback.
    virtual void watch(std::function<void()> changed) = 0;
};

struct DpkgPaths {
    std::filesystem::path status = "/var/lib/dpkg/status";
    std::filesystem::path info_dir = "/var/lib/dpkg/info";  // <pkg>.list, <pkg>.md5sums
    // Where the index of listed paths is kept, as an unnamed file (see PathOwnerIndex); empty:
    // in memory.
    std::filesystem::path index_dir;
};

std::unique_ptr<SoftwareInventory> dpkgInventory(boost::asio::any_io_executor reactor, DpkgPaths paths);

}  // namespace mamori::platform
