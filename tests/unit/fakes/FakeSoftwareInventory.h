#pragma once
// A package database made of what the test says is installed, with a change signal it fires.
#include <atomic>
#include <map>

#include "mamori/platform/SoftwareInventory.h"

namespace mamori::test {

class FakeSoftwareInventory final : public mamori::platform::SoftwareInventory {
public:
    struct File {
        std::string package;
        std::string md5;  // empty: the package recorded none
    };

    std::shared_ptr<const mamori::platform::InstalledSoftware> load() const override {
        ++loads;
        std::vector<mamori::platform::PathOwner> owners;
        for (const auto& [path, f] : files) {
            for (uint32_t i = 0; i < packages.size(); ++i) {
                if (packages[i].name == f.package) owners.push_back({mamori::platform::InstalledSoftware::pathKey(path), i});
            }
        }
        return std::make_shared<const mamori::platform::InstalledSoftware>(packages, owners);
    }
    std::optional<std::string> packagedMd5(const mamori::platform::SoftwarePackage& p,
                                           const std::string& listed_path) const override {
        auto it = files.find(listed_path);
        if (it == files.end() || it->second.package != p.name || it->second.md5.empty()) return std::nullopt;
        return it->second.md5;
    }
    void watch(std::function<void()> changed) override { changed_ = std::move(changed); }

    // dpkg finished an install or removal.
    void changed() {
        if (changed_) changed_();
    }

    std::vector<mamori::platform::SoftwarePackage> packages;
    std::map<std::string, File> files;  // listed path -> owner and checksum
    mutable std::atomic<int> loads{0};

private:
    std::function<void()> changed_;
};

}  // namespace mamori::test
