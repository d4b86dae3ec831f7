#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <stdexcept>

#include "Inotify.h"
#include "mamori/platform/DpkgStatus.h"
#include "mamori/platform/SoftwareInventory.h"
#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::platform {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// The dpkg database: the status file for what is installed, info/<pkg>.list for who owns a
// path, info/<pkg>.md5sums for packaged checksums. Multi-Arch: same packages name their info
// files <pkg>:<arch>.*, all others plain <pkg>.*.
class DpkgSoftwareInventory final : public SoftwareInventory {
public:
    DpkgSoftwareInventory(asio::any_io_executor reactor, DpkgPaths paths)
        : reactor_(std::move(reactor)), paths_(std::move(paths)) {}

    std::shared_ptr<const InstalledSoftware> load() const override {
        auto parsed = DpkgStatus::parse(common::Files::read(paths_.status));
        if (parsed.malformed) {
            Log::warn(paths_.status.string() + ": " + std::to_string(parsed.malformed) +
                      " unreadable package entries skipped");
        }
        std::vector<PathOwner> owners;
        owners.reserve(parsed.installed.size() * 64);
        for (uint32_t i = 0; i < parsed.installed.size(); ++i) {
            try {
                common::Files::anyLine(infoFile(parsed.installed[i], ".list"), [&](std::string_view line) {
                    // "/." stands for the root directory, which every package lists.
                    if (line.size() > 2 && line.front() == '/') owners.push_back({InstalledSoftware::pathKey(line), i});
                    return false;
                });
            } catch (const std::runtime_error&) {
                // A package without a file list owns no path.
            }
        }
        return std::make_shared<const InstalledSoftware>(std::move(parsed.installed), std::move(owners),
                                                         paths_.index_dir);
    }

    std::optional<std::string> packagedMd5(const SoftwarePackage& package,
                                           const std::string& listed_path) const override {
        // Lines are "<32 hex>  <path without the leading slash>".
        std::string_view want = listed_path;
        if (!want.empty() && want.front() == '/') want.remove_prefix(1);
        std::optional<std::string> md5;
        try {
            common::Files::anyLine(infoFile(package, ".md5sums"), [&](std::string_view line) {
                if (line.size() < 35 || line[32] != ' ') return false;
                std::string_view path = line.substr(33);
                if (!path.empty() && path.front() == ' ') path.remove_prefix(1);
                if (path != want) return false;
                md5 = std::string(line.substr(0, 32));
                return true;
            });
        } catch (const std::runtime_error&) {
            return std::nullopt;  // a package without md5sums: nothing to compare with
        }
        return md5;
    }

    void watch(std::function<void()> changed) override {
        changed_ = std::move(changed);
        if (inotify_) return;
        // dpkg replaces the file (status-new renamed over status), so watch its directory.
        const auto dir = paths_.status.parent_path().empty() ? fs::path(".") : paths_.status.parent_path();
        try {
            inotify_ = std::make_unique<Inotify>(reactor_);
        } catch (const std::exception& e) {
            Log::warn(std::string("cannot watch the package database: ") + e.what());
            return;
        }
        if (inotify_->add(dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
            Log::warn("cannot watch " + dir.string() + " for package changes: " + strerror(errno));
            inotify_.reset();
            return;
        }
        const std::string name = paths_.status.filename().string();
        inotify_->listen([this, name](const Inotify::Change& c) {
            if (c.name == name || (c.mask & IN_Q_OVERFLOW)) {
                if (changed_) changed_();
            }
        });
    }

private:
    fs::path infoFile(const SoftwarePackage& p, const char* suffix) const {
        if (!p.architecture.empty()) {
            auto qualified = paths_.info_dir / (p.name + ":" + p.architecture + suffix);
            if (::access(qualified.c_str(), F_OK) == 0) return qualified;
        }
        return paths_.info_dir / (p.name + suffix);
    }

    asio::any_io_executor reactor_;
    DpkgPaths paths_;
    std::function<void()> changed_;
    std::unique_ptr<Inotify> inotify_;
};

}  // namespace

std::unique_ptr<SoftwareInventory> dpkgInventory(asio::any_io_executor reactor, DpkgPaths paths) {
    return std::make_unique<DpkgSoftwareInventory>(std::move(reactor), std::move(paths));
}

}  // namespace mamori::platform
