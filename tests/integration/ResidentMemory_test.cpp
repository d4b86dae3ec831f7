// ResidentMemory against the real kernel: the mappings it drops read back the same bytes, and
// pages that exist only in this process (copied on write, then made read-only, as relocated
// data is) are never dropped.
#include "mamori/platform/ResidentMemory.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

constexpr size_t kBytes = 1 << 20;

// This process's resident kB in the mapping that starts at `at`, from /proc/self/smaps.
long residentKb(const void* at) {
    char start[32];
    std::snprintf(start, sizeof start, "%lx-", reinterpret_cast<unsigned long>(at));
    std::ifstream smaps("/proc/self/smaps");
    bool in = false;
    for (std::string line; std::getline(smaps, line);) {
        if (line.rfind(start, 0) == 0) in = true;
        else if (in && line.rfind("Rss:", 0) == 0) return std::stol(line.substr(4));
    }
    return -1;
}

class ResidentMemoryTest : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() / ("mamori-resident-" + std::to_string(getpid()));
        std::string content(kBytes, '\0');
        for (size_t i = 0; i < kBytes; ++i) content[i] = static_cast<char>('a' + i % 26);
        std::ofstream(path_, std::ios::binary) << content;
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd_, 0);
    }
    void TearDown() override {
        if (fd_ >= 0) ::close(fd_);
        std::filesystem::remove(path_);
    }
    // Reads a byte of every page (volatile: the reads are the point, even when the sum is not).
    static long touch(const char* p) {
        long sum = 0;
        for (size_t i = 0; i < kBytes; i += 4096) sum += static_cast<const volatile char*>(p)[i];
        return sum;
    }

    std::filesystem::path path_;
    int fd_ = -1;
};

TEST_F(ResidentMemoryTest, DropsTheMappingOfUnwrittenReadOnlyFilePagesWhichReadBackTheSame) {
    auto* p = static_cast<char*>(::mmap(nullptr, kBytes, PROT_READ, MAP_PRIVATE, fd_, 0));
    ASSERT_NE(p, MAP_FAILED);
    const long sum = touch(p);
    ASSERT_EQ(residentKb(p), static_cast<long>(kBytes / 1024));

    auto released = mamori::platform::ResidentMemory::release();

    EXPECT_EQ(residentKb(p), 0);
    EXPECT_GE(released.mapped_kb, kBytes / 1024);
    EXPECT_EQ(touch(p), sum);
    EXPECT_EQ(p[kBytes - 1], static_cast<char>('a' + (kBytes - 1) % 26));
    ::munmap(p, kBytes);
}

TEST_F(ResidentMemoryTest, KeepsPagesWrittenInThisProcessEvenWhenMadeReadOnlyAfterwards) {
    auto* p = static_cast<char*>(::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_, 0));
    ASSERT_NE(p, MAP_FAILED);
    touch(p);
    std::memcpy(p + 8192, "relocated", 9);  // one page copied on write, the others still the file's
    ASSERT_EQ(::mprotect(p, kBytes, PROT_READ), 0);
    ASSERT_EQ(residentKb(p), static_cast<long>(kBytes / 1024));

    mamori::platform::ResidentMemory::release();

    EXPECT_EQ(std::string(p + 8192, 9), "relocated");
    EXPECT_EQ(residentKb(p), static_cast<long>(kBytes / 1024)) << "a mapping with written pages is left whole";
    ::munmap(p, kBytes);
}

TEST_F(ResidentMemoryTest, KeepsWritableAndSharedMappings) {
    auto* rw = static_cast<char*>(::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_, 0));
    auto* shared = static_cast<char*>(::mmap(nullptr, kBytes, PROT_READ, MAP_SHARED, fd_, 0));
    ASSERT_NE(rw, MAP_FAILED);
    ASSERT_NE(shared, MAP_FAILED);
    touch(rw);
    touch(shared);
    ASSERT_EQ(residentKb(rw), static_cast<long>(kBytes / 1024));

    mamori::platform::ResidentMemory::release();

    EXPECT_EQ(residentKb(rw), static_cast<long>(kBytes / 1024));
    EXPECT_EQ(residentKb(shared), static_cast<long>(kBytes / 1024));
    ::munmap(rw, kBytes);
    ::munmap(shared, kBytes);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAMORI_OWN_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MAMORI_OWN_ALLOCATOR 1
#endif

TEST_F(ResidentMemoryTest, GivesFreedHeapBackToTheSystem) {
#ifdef MAMORI_OWN_ALLOCATOR
    GTEST_SKIP() << "AddressSanitizer's allocator keeps no glibc heap to trim";
#endif
    // Many small blocks, freed: malloc keeps them in its heap until trimmed.
    std::vector<char*> blocks;
    for (int i = 0; i < 20000; ++i) {
        blocks.push_back(new char[1000]);
        std::memset(blocks.back(), 1, 1000);
    }
    for (auto* b : blocks) delete[] b;

    auto released = mamori::platform::ResidentMemory::release();

    EXPECT_GT(released.heap_kb, 0u);
}

}  // namespace
