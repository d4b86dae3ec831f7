// ExecutableFinder on a real directory tree: execute bits, symbolic links, other filesystems.
#include "mamori/platform/ExecutableFinder.h"

#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;

TEST(ExecutableFinder, FindsExecutableFilesAndNothingElse) {
    std::string tmpl = (fs::temp_directory_path() / "mamori-finder-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    const fs::path root = tmpl;
    auto make = [&](const fs::path& p, fs::perms perms) {
        fs::create_directories(p.parent_path());
        std::ofstream(p) << "#!/bin/sh\n";
        fs::permissions(p, perms);
    };
    make(root / "suzuki" / "Downloads" / "setup.bin", fs::perms::owner_all);
    make(root / "suzuki" / "notes.txt", fs::perms::owner_read | fs::perms::owner_write);
    make(root / "suzuki" / ".local" / "bin" / "tool", fs::perms::owner_read | fs::perms::others_exec);
    fs::create_symlink("/usr/bin/true", root / "suzuki" / "true-link");  // links are never followed
    fs::create_directory_symlink("/usr/bin", root / "suzuki" / "bin-link");
    // Another filesystem below a scan root is not descended into.
    bool mounted = false;
    if (geteuid() == 0) {
        fs::create_directories(root / "suzuki" / "mnt");
        mounted = mount("tmpfs", (root / "suzuki" / "mnt").c_str(), "tmpfs", 0, "size=1m") == 0;
        if (mounted) make(root / "suzuki" / "mnt" / "elsewhere", fs::perms::owner_all);
    }

    auto found = mamori::platform::executableFinder()->find({root.string(), (root / "missing").string()}, 100000);
    std::set<std::string> paths;
    for (const auto& f : found) paths.insert(f.path);
    EXPECT_EQ(paths, (std::set<std::string>{(root / "suzuki" / "Downloads" / "setup.bin").string(),
                                            (root / "suzuki" / ".local" / "bin" / "tool").string()}));
    for (const auto& f : found) {
        EXPECT_EQ(f.owner_uid, geteuid());
        EXPECT_EQ(f.identity.size, 10u);
        EXPECT_NE(f.identity.inode, 0u);
    }
    // The walk is bounded.
    EXPECT_LE(mamori::platform::executableFinder()->find({root.string()}, 2).size(), 2u);

    if (mounted) umount2((root / "suzuki" / "mnt").c_str(), MNT_DETACH);
    fs::remove_all(root);
}

}  // namespace
