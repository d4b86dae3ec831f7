#include <sys/stat.h>

#include <filesystem>
#include <system_error>
#include <unordered_set>

#include "MountTable.h"
#include "mamori/platform/ExecutableFinder.h"

namespace mamori::platform {

namespace {

namespace fs = std::filesystem;

// A walk with lstat: symbolic links are never followed (a link into /usr would make every
// packaged program look like a download), and a directory on another filesystem is skipped. A
// mount point is skipped before it is looked at: the first look at a FUSE or network mount asks
// its server, and one that never answers (any user may run a FUSE server) would hold the walk,
// and the worker it runs on, for good.
class LinuxExecutableFinder final : public ExecutableFinder {
public:
    std::vector<FoundExecutable> find(const std::vector<std::string>& roots, size_t max_entries) const override {
        std::vector<FoundExecutable> out;
        std::unordered_set<std::string> mount_points;
        const auto table = MountTable::current();
        for (const auto& e : table.entries()) mount_points.insert(e.point);
        size_t seen = 0;
        for (const auto& root : roots) {
            struct stat top{};
            if (::lstat(root.c_str(), &top) != 0 || !S_ISDIR(top.st_mode)) continue;
            std::error_code ec;
            fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
            for (; !ec && it != end && seen < max_entries; it.increment(ec)) {
                ++seen;
                if (mount_points.count(it->path().native())) {
                    it.disable_recursion_pending();
                    continue;
                }
                struct stat st{};
                if (::lstat(it->path().c_str(), &st) != 0) continue;
                if (S_ISDIR(st.st_mode)) {
                    if (st.st_dev != top.st_dev || it.depth() > 32) it.disable_recursion_pending();
                    continue;
                }
                if (!S_ISREG(st.st_mode) || !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) continue;
                out.push_back({it->path().string(),
                               FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                                            static_cast<uint64_t>(st.st_size),
                                            int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                                            int64_t(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec},
                               static_cast<uint32_t>(st.st_uid)});
            }
        }
        return out;
    }
};

}  // namespace

std::unique_ptr<ExecutableFinder> executableFinder() { return std::make_unique<LinuxExecutableFinder>(); }

}  // namespace mamori::platform
