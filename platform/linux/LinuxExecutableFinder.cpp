#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <system_error>

#include "mamori/platform/ExecutableFinder.h"

namespace mamori::platform {

namespace {

namespace fs = std::filesystem;

// A walk that never follows a symbolic link (a link into /usr would make every packaged
// program look like a download) and skips a directory on another filesystem. Each entry is
// looked at with statx(AT_STATX_DONT_SYNC): what the kernel already knows, never a question to a
// FUSE or network server, which may never answer (any user may run a FUSE server) and would hold
// the walk, and the worker it runs on, for good. A mount point reached here may be one made a
// moment ago.
class LinuxExecutableFinder final : public ExecutableFinder {
public:
    std::vector<FoundExecutable> find(const std::vector<std::string>& roots, size_t max_entries) const override {
        std::vector<FoundExecutable> out;
        size_t seen = 0;
        for (const auto& root : roots) {
            struct statx top{};
            if (!look(root, top) || !S_ISDIR(top.stx_mode)) continue;
            std::error_code ec;
            fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
            for (; !ec && it != end && seen < max_entries; it.increment(ec)) {
                ++seen;
                struct statx st{};
                if (!look(it->path(), st)) continue;
                if (S_ISDIR(st.stx_mode)) {
                    if ((st.stx_attributes & STATX_ATTR_MOUNT_ROOT) || device(st) != device(top) || it.depth() > 32)
                        it.disable_recursion_pending();
                    continue;
                }
                if (!S_ISREG(st.stx_mode) || !(st.stx_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) continue;
                out.push_back({it->path().string(),
                               FileIdentity{device(st), st.stx_ino, st.stx_size, nanoseconds(st.stx_mtime),
                                            nanoseconds(st.stx_ctime)},
                               st.stx_uid});
            }
        }
        return out;
    }

private:
    static bool look(const fs::path& path, struct statx& st) {
        return ::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &st) == 0;
    }
    static uint64_t device(const struct statx& st) { return makedev(st.stx_dev_major, st.stx_dev_minor); }
    static int64_t nanoseconds(const struct statx_timestamp& t) { return int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }
};

}  // namespace

std::unique_ptr<ExecutableFinder> executableFinder() { return std::make_unique<LinuxExecutableFinder>(); }

}  // namespace mamori::platform
