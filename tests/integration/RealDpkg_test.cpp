// The dpkg side of the software control against this machine's real dpkg: its database, its
// checksums, and its own version comparison.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "agent/DpkgVersion.h"
#include "agent/FileDigests.h"
#include "mamori/platform/SoftwareInventory.h"

namespace {

using mamori::agent::DpkgVersion;

bool haveDpkg() { return access("/usr/bin/dpkg", X_OK) == 0 && access("/var/lib/dpkg/status", R_OK) == 0; }

TEST(RealDpkg, InventoryReadsThisMachinesDatabase) {
    if (!haveDpkg()) GTEST_SKIP() << "no dpkg database here";
    boost::asio::io_context io;
    auto inventory = mamori::platform::dpkgInventory(io.get_executor(), {});
    const auto t0 = std::chrono::steady_clock::now();
    auto installed = inventory->load();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    std::cout << installed->packages().size() << " packages read in " << ms.count() << " ms\n";
    ASSERT_GT(installed->packages().size(), 50u);
    ASSERT_TRUE(installed->find("dpkg"));
    EXPECT_TRUE(DpkgVersion::parse(installed->find("dpkg")->version));

    // Merged /usr: the kernel runs /usr/bin/true, coreutils lists /bin/true; the checksum dpkg
    // recorded is the one of the file on disk.
    auto owner = installed->owner("/usr/bin/true");
    ASSERT_TRUE(owner.package);
    EXPECT_EQ(owner.package->name, "coreutils");
    auto md5 = inventory->packagedMd5(*owner.package, owner.listed_path);
    ASSERT_TRUE(md5);
    EXPECT_EQ(*md5, mamori::agent::FileDigests::ofFile("/usr/bin/true", 1 << 30)->md5);
    // A multi-arch library: its info files carry the architecture.
    owner = installed->owner("/usr/lib/x86_64-linux-gnu/libc.so.6");
    if (owner.package) {
        EXPECT_EQ(owner.package->name, "libc6");
        EXPECT_TRUE(inventory->packagedMd5(*owner.package, owner.listed_path));
    }
    EXPECT_FALSE(installed->owner("/usr/local/bin/not-packaged").package);
}

// The agent keeps the index in an unnamed file in its state directory: every path any package
// lists has the owner it has in memory.
TEST(RealDpkg, AnIndexOnDiskAnswersAsOneInMemory) {
    if (!haveDpkg()) GTEST_SKIP() << "no dpkg database here";
    char tmpl[] = "/tmp/mamori-dpkg-index-XXXXXX";
    const std::filesystem::path dir = ::mkdtemp(tmpl);
    boost::asio::io_context io;
    const auto in_memory = mamori::platform::dpkgInventory(io.get_executor(), {})->load();
    mamori::platform::DpkgPaths paths;
    paths.index_dir = dir;
    const auto on_disk = mamori::platform::dpkgInventory(io.get_executor(), paths)->load();
    size_t paths_checked = 0;
    for (const auto& list : std::filesystem::directory_iterator("/var/lib/dpkg/info")) {
        if (list.path().extension() != ".list") continue;
        std::ifstream in(list.path());
        for (std::string path; std::getline(in, path);) {
            const auto a = in_memory->owner(path), b = on_disk->owner(path);
            ASSERT_EQ(a.package ? a.package->name : "", b.package ? b.package->name : "") << path;
            EXPECT_EQ(a.listed_path, b.listed_path);
            ++paths_checked;
        }
    }
    std::cout << paths_checked << " listed paths looked up in both\n";
    EXPECT_GT(paths_checked, 1000u);
    EXPECT_TRUE(std::filesystem::is_empty(dir));
    std::filesystem::remove_all(dir);
}

int dpkgCompare(const std::string& a, const char* op, const std::string& b) {
    pid_t pid = fork();
    if (pid == 0) {
        execl("/usr/bin/dpkg", "dpkg", "--compare-versions", a.c_str(), op, b.c_str(), (char*)nullptr);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Random versions built from the characters that matter (digits, letters, ~ + . -, epochs):
// DpkgVersion must order every pair as dpkg itself does.
TEST(RealDpkg, VersionOrderAgreesWithDpkg) {
    if (!haveDpkg()) GTEST_SKIP() << "no dpkg here";
    std::mt19937 rng(20250610);
    const std::string pieces[] = {"0", "1", "9", "10", "01", "a", "b", "z", "A", "~", "~~", "+", ".", "rc", "esr", "+b1", "~rc1"};
    auto version = [&] {
        std::string v;
        if (rng() % 5 == 0) v += std::to_string(rng() % 3) + ":";
        v += std::to_string(rng() % 12);
        for (unsigned i = 0, n = rng() % 4; i < n; ++i) v += pieces[rng() % std::size(pieces)];
        if (rng() % 2) v += "-" + std::to_string(rng() % 4) + (rng() % 3 ? "" : pieces[rng() % std::size(pieces)]);
        return v;
    };
    int checked = 0;
    for (int i = 0; i < 60; ++i) {
        std::string a = version(), b = rng() % 4 ? version() : a;
        auto va = DpkgVersion::parse(a), vb = DpkgVersion::parse(b);
        if (!va || !vb) continue;
        const int ours = DpkgVersion::compare(*va, *vb);
        EXPECT_EQ(dpkgCompare(a, "lt", b) == 0, ours < 0) << a << " vs " << b;
        EXPECT_EQ(dpkgCompare(a, "eq", b) == 0, ours == 0) << a << " vs " << b;
        ++checked;
    }
    EXPECT_GT(checked, 40);
}

}  // namespace
