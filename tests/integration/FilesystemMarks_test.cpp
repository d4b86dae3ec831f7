// The exec watch's marks against the real kernel, read back as the kernel lists them
// (/proc/self/fdinfo of the fanotify descriptor): which filesystems carry which mask as policies
// change and filesystems come and go under a watched path. Everything is mounted in a mount
// namespace of the test's own; nothing outside it is marked.
#include <fcntl.h>
#include <sched.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "mamori/platform/ProcessWatch.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using mamori::platform::ProcessWatch;

std::set<int> fanotifyDescriptors() {
    std::set<int> out;
    for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        if (fs::read_symlink(e.path(), ec).string() == "anon_inode:[fanotify]") out.insert(std::stoi(e.path().filename()));
    }
    return out;
}

class FilesystemMarksOnFanotify : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "fanotify needs root";
        ASSERT_EQ(unshare(CLONE_NEWNS), 0) << strerror(errno);
        ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0) << strerror(errno);
        std::string tmpl = (fs::temp_directory_path() / "mamori-marks-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        base_ = tmpl;
        for (const char* d : {"a", "b"}) {
            fs::create_directories(base_ / d);
            ASSERT_EQ(mount("tmpfs", (base_ / d).c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m"), 0);
        }
        fs::create_directories(base_ / "a" / "stick");
        const auto before = fanotifyDescriptors();
        watch_ = mamori::platform::fanotifyProcessWatch(io_.get_executor());
        watch({base_ / "a"}, true);
        for (int fd : fanotifyDescriptors()) {
            if (!before.count(fd)) fan_ = fd;
        }
        ASSERT_GE(fan_, 0);
    }

    void TearDown() override {
        watch_.reset();
        for (const char* d : {"a/stick", "a", "b"}) umount2((base_ / d).c_str(), MNT_DETACH);
        std::error_code ec;
        fs::remove_all(base_, ec);
    }

    void watch(std::vector<fs::path> mounts, bool hold) {
        ProcessWatch::Options o;
        for (const auto& m : mounts) o.mounts.push_back(m.string());
        o.hold = hold;
        EXPECT_TRUE(watch_->start(o, [](const auto&) {}, [](const auto&) {}).empty());
    }

    // Filesystem (kernel device encoding) -> the mask the kernel holds for it.
    std::map<unsigned long, unsigned long> marks() {
        std::map<unsigned long, unsigned long> out;
        std::ifstream in("/proc/self/fdinfo/" + std::to_string(fan_));
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("fanotify sdev:", 0) != 0) continue;
            const auto mask = line.find(" mask:");
            out[std::stoul(line.substr(14), nullptr, 16)] = std::stoul(line.substr(mask + 6), nullptr, 16);
        }
        return out;
    }

    static unsigned long dev(const fs::path& p) {
        struct stat st{};
        if (::stat(p.c_str(), &st) != 0) return 0;
        return (major(st.st_dev) << 20) | minor(st.st_dev);
    }

    // Runs the watch's reactor until the kernel's marks are as wanted (2 s at most).
    bool until(const std::map<unsigned long, unsigned long>& wanted) {
        for (const auto t0 = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - t0 < 2s;) {
            if (marks() == wanted) return true;
            io_.restart();
            io_.run_for(10ms);
        }
        return marks() == wanted;
    }

    fs::path base_;
    boost::asio::io_context io_;
    std::unique_ptr<ProcessWatch> watch_;
    int fan_ = -1;
};

TEST_F(FilesystemMarksOnFanotify, MarksFollowMountsAndPolicies) {
    const auto a = dev(base_ / "a"), b = dev(base_ / "b");
    EXPECT_TRUE(until({{a, FAN_OPEN_EXEC_PERM}}));

    // A filesystem mounted under the watched path is marked as it appears...
    ASSERT_EQ(mount("tmpfs", (base_ / "a" / "stick").c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m"), 0);
    const auto stick = dev(base_ / "a" / "stick");
    EXPECT_TRUE(until({{a, FAN_OPEN_EXEC_PERM}, {stick, FAN_OPEN_EXEC_PERM}}));
    // ... and the next policy's mask replaces the old one on it too (observe: nothing is held).
    watch({base_ / "a"}, false);
    EXPECT_TRUE(until({{a, FAN_OPEN_EXEC}, {stick, FAN_OPEN_EXEC}}));

    // Unmounted, its mark goes with it; mounted again in its place (the kernel may well hand out
    // the same device number), it is marked again.
    ASSERT_EQ(umount2((base_ / "a" / "stick").c_str(), 0), 0);
    EXPECT_TRUE(until({{a, FAN_OPEN_EXEC}}));
    ASSERT_EQ(mount("tmpfs", (base_ / "a" / "stick").c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m"), 0);
    const auto again = dev(base_ / "a" / "stick");
    EXPECT_TRUE(until({{a, FAN_OPEN_EXEC}, {again, FAN_OPEN_EXEC}}));

    // A noexec mount holds no program: not marked.
    ASSERT_EQ(umount2((base_ / "a" / "stick").c_str(), 0), 0);
    ASSERT_EQ(mount("tmpfs", (base_ / "a" / "stick").c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m"), 0);
    EXPECT_TRUE(until({{a, FAN_OPEN_EXEC}}));

    // Another path: the old filesystems are let go, the new one marked.
    watch({base_ / "b"}, true);
    EXPECT_TRUE(until({{b, FAN_OPEN_EXEC_PERM}}));
}

}  // namespace
