#include "mamori/platform/PathOwnerIndex.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "mamori/common/Log.h"

namespace mamori::platform {

namespace {

bool writeAll(int fd, const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

bool readAll(int fd, void* data, size_t size, off_t at) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
        const ssize_t n = ::pread(fd, p, size, at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
        at += n;
    }
    return true;
}

}  // namespace

PathOwnerIndex::PathOwnerIndex(std::vector<PathOwner> owners, const std::filesystem::path& spill_dir) {
    // Stable, so that of the entries of one key the first listed comes first and is kept.
    std::stable_sort(owners.begin(), owners.end(),
                     [](const PathOwner& a, const PathOwner& b) { return a.path_key < b.path_key; });
    owners.erase(std::unique(owners.begin(), owners.end(),
                             [](const PathOwner& a, const PathOwner& b) { return a.path_key == b.path_key; }),
                 owners.end());
    count_ = owners.size();
    if (!spill_dir.empty() && spill(owners, spill_dir)) return;
    // Two arrays rather than one of the struct, which is padded to 16 bytes.
    keys_.reserve(count_);
    owners_.reserve(count_);
    for (const auto& o : owners) {
        keys_.push_back(o.path_key);
        owners_.push_back(o.package);
    }
}

bool PathOwnerIndex::spill(const std::vector<PathOwner>& owners, const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        Log::warn("software: the path index stays in memory: cannot make a file in " + dir.string() + ": " +
                  std::strerror(errno));
        return false;
    }
    // Written in chunks, so that making the file costs little more memory than the owners do.
    std::vector<uint64_t> keys;
    std::vector<uint32_t> packages;
    constexpr size_t kChunk = 8192;
    bool ok = true;
    for (size_t i = 0; ok && i < owners.size(); i += kChunk) {
        keys.clear();
        for (size_t j = i; j < std::min(owners.size(), i + kChunk); ++j) keys.push_back(owners[j].path_key);
        ok = writeAll(fd, keys.data(), keys.size() * sizeof keys[0]);
    }
    for (size_t i = 0; ok && i < owners.size(); i += kChunk) {
        packages.clear();
        for (size_t j = i; j < std::min(owners.size(), i + kChunk); ++j) packages.push_back(owners[j].package);
        ok = writeAll(fd, packages.data(), packages.size() * sizeof packages[0]);
    }
    if (!ok) {
        Log::warn("software: the path index stays in memory: cannot write it to " + dir.string() + ": " +
                  std::strerror(errno));
        ::close(fd);
        return false;
    }
    fd_ = fd;
    fences_.reserve((owners.size() + kBlockKeys - 1) / kBlockKeys);
    for (size_t i = 0; i < owners.size(); i += kBlockKeys) fences_.push_back(owners[i].path_key);
    return true;
}

PathOwnerIndex::~PathOwnerIndex() {
    if (fd_ >= 0) ::close(fd_);
}

PathOwnerIndex::PathOwnerIndex(PathOwnerIndex&& other) noexcept { *this = std::move(other); }

PathOwnerIndex& PathOwnerIndex::operator=(PathOwnerIndex&& other) noexcept {
    if (this == &other) return *this;
    if (fd_ >= 0) ::close(fd_);
    count_ = std::exchange(other.count_, 0);
    keys_ = std::move(other.keys_);
    owners_ = std::move(other.owners_);
    fd_ = std::exchange(other.fd_, -1);
    fences_ = std::move(other.fences_);
    return *this;
}

std::optional<uint32_t> PathOwnerIndex::find(uint64_t key) const {
    if (fd_ >= 0) return findOnDisk(key);
    auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
    if (it == keys_.end() || *it != key) return std::nullopt;
    return owners_[static_cast<size_t>(it - keys_.begin())];
}

std::optional<uint32_t> PathOwnerIndex::findOnDisk(uint64_t key) const {
    auto fence = std::upper_bound(fences_.begin(), fences_.end(), key);
    if (fence == fences_.begin()) return std::nullopt;  // below the smallest key
    const size_t first = static_cast<size_t>(fence - fences_.begin() - 1) * kBlockKeys;
    const size_t n = std::min(kBlockKeys, count_ - first);
    uint64_t block[kBlockKeys];
    if (!readAll(fd_, block, n * sizeof block[0], static_cast<off_t>(first * sizeof block[0]))) {
        // The file is ours and unnamed: only a failing disk gets here.
        Log::error(std::string("software: cannot read the path index: ") + std::strerror(errno));
        return std::nullopt;
    }
    const uint64_t* it = std::lower_bound(block, block + n, key);
    if (it == block + n || *it != key) return std::nullopt;
    uint32_t owner = 0;
    const size_t i = first + static_cast<size_t>(it - block);
    if (!readAll(fd_, &owner, sizeof owner, static_cast<off_t>(count_ * sizeof(uint64_t) + i * sizeof owner))) {
        Log::error(std::string("software: cannot read the path index: ") + std::strerror(errno));
        return std::nullopt;
    }
    return owner;
}

}  // namespace mamori::platform
