// The index of listed paths, on disk (an unnamed file read with pread) and in memory: the same
// answers for every key, the gaps between them and the blocks' edges.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
#include <random>
#include <set>

#include "mamori/platform/PathOwnerIndex.h"

namespace {

#define SKIP_WITHOUT_UNNAMED_FILES() \
    if (!unnamed_files_) GTEST_SKIP() << dir_ << "'s file system makes no unnamed files (O_TMPFILE)"

using mamori::platform::PathOwner;
using mamori::platform::PathOwnerIndex;

class PathOwnerIndexTest : public ::testing::Test {
protected:
    PathOwnerIndexTest() {
        char tmpl[] = "/tmp/mamori-path-index-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        // Some file systems (overlayfs on older kernels) make no unnamed files: there, only the
        // in-memory index can be tested, and the agent keeps its index in memory too.
        const int fd = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        unnamed_files_ = fd >= 0;
        if (fd >= 0) ::close(fd);
    }
    ~PathOwnerIndexTest() override { std::filesystem::remove_all(dir_); }

    // n distinct random keys, owner i for the i-th; 0 and the largest key are never among them.
    static std::vector<PathOwner> owners(size_t n, uint32_t seed) {
        std::mt19937_64 rng(seed);
        std::set<uint64_t> seen;
        std::vector<PathOwner> out;
        while (out.size() < n) {
            const uint64_t k = rng();
            if (k == 0 || k == std::numeric_limits<uint64_t>::max() || !seen.insert(k).second) continue;
            out.push_back({k, static_cast<uint32_t>(out.size())});
        }
        return out;
    }
    // Both kinds of index agree with the list on every key, on the next key up and at the ends.
    void expectAnswers(const std::vector<PathOwner>& list) {
        PathOwnerIndex disk(list, dir_), memory(list, {});
        ASSERT_TRUE(disk.onDisk());
        EXPECT_FALSE(memory.onDisk());
        EXPECT_EQ(disk.size(), list.size());
        std::set<uint64_t> keys;
        for (const auto& o : list) keys.insert(o.path_key);
        for (const auto& o : list) {
            EXPECT_EQ(disk.find(o.path_key), o.package);
            EXPECT_EQ(memory.find(o.path_key), o.package);
            if (!keys.count(o.path_key + 1)) {
                EXPECT_FALSE(disk.find(o.path_key + 1));
                EXPECT_FALSE(memory.find(o.path_key + 1));
            }
        }
        for (uint64_t k : {uint64_t{0}, std::numeric_limits<uint64_t>::max()}) {
            EXPECT_FALSE(disk.find(k));
            EXPECT_FALSE(memory.find(k));
        }
    }

    std::filesystem::path dir_;
    bool unnamed_files_ = false;
};

TEST_F(PathOwnerIndexTest, OnDiskAndInMemoryGiveTheSameOwners) {
    SKIP_WITHOUT_UNNAMED_FILES();
    expectAnswers(owners(512 * 5 + 7, 1));  // a last block part full
    expectAnswers(owners(1024, 2));          // blocks exactly full
    expectAnswers(owners(1, 3));
    expectAnswers({});
}

TEST_F(PathOwnerIndexTest, OfOneKeyListedTwiceTheFirstOwnerIsKept) {
    SKIP_WITHOUT_UNNAMED_FILES();
    PathOwnerIndex disk({{7, 1}, {3, 2}, {7, 0}}, dir_);
    ASSERT_TRUE(disk.onDisk());
    EXPECT_EQ(disk.size(), 2u);
    EXPECT_EQ(disk.find(7), 1u);
    EXPECT_EQ(disk.find(3), 2u);
}

// The file has no name: nothing is left in the directory, whatever happens to the process.
TEST_F(PathOwnerIndexTest, LeavesNoFileBehind) {
    SKIP_WITHOUT_UNNAMED_FILES();
    PathOwnerIndex disk(owners(2000, 4), dir_);
    ASSERT_TRUE(disk.onDisk());
    EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(PathOwnerIndexTest, ADirectoryThatCannotHoldItKeepsItInMemory) {
    const auto list = owners(600, 5);
    PathOwnerIndex index(list, dir_ / "missing");
    EXPECT_FALSE(index.onDisk());
    for (const auto& o : list) EXPECT_EQ(index.find(o.path_key), o.package);
}

TEST_F(PathOwnerIndexTest, AMovedIndexStillAnswers) {
    SKIP_WITHOUT_UNNAMED_FILES();
    const auto list = owners(700, 6);
    PathOwnerIndex first(list, dir_);
    PathOwnerIndex moved(std::move(first));
    EXPECT_TRUE(moved.onDisk());
    for (const auto& o : list) EXPECT_EQ(moved.find(o.path_key), o.package);
    PathOwnerIndex assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.find(list.back().path_key), list.back().package);
}

}  // namespace
