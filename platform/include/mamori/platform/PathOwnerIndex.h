#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace mamori::platform {

// One listed path, by its key, and the index of the package that lists it.
struct PathOwner {
    uint64_t path_key = 0;  // InstalledSoftware::pathKey(listed path)
    uint32_t package = 0;
};

// Which package lists a path, by the path's key: the keys sorted, one owner each.
//
// A desktop lists some 150,000 paths, 1.9 MB as keys and owners, which a resident agent would
// hold all day for the few programs it is asked about. Given a directory on disk, the index is
// written to an unnamed file there (O_TMPFILE: nothing to clean up, nothing to open by name) and
// read back with pread: the kernel keeps it as page cache it may reclaim, the process keeps only
// the first key of every 4 KiB block, and a lookup reads one block and one owner. Without a
// directory, or where the file cannot be made, it stays in memory. Thread-safe for lookups.
class PathOwnerIndex {
public:
    PathOwnerIndex() = default;
    // Where several owners share a key, the first one listed is kept.
    PathOwnerIndex(std::vector<PathOwner> owners, const std::filesystem::path& spill_dir);
    ~PathOwnerIndex();
    PathOwnerIndex(PathOwnerIndex&& other) noexcept;
    PathOwnerIndex& operator=(PathOwnerIndex&& other) noexcept;
    PathOwnerIndex(const PathOwnerIndex&) = delete;
    PathOwnerIndex& operator=(const PathOwnerIndex&) = delete;

    // The owner of key, if any path has it.
    std::optional<uint32_t> find(uint64_t key) const;
    size_t size() const { return count_; }
    bool onDisk() const { return fd_ >= 0; }

private:
    static constexpr size_t kBlockKeys = 4096 / sizeof(uint64_t);

    bool spill(const std::vector<PathOwner>& owners, const std::filesystem::path& dir);
    std::optional<uint32_t> findOnDisk(uint64_t key) const;

    size_t count_ = 0;
    std::vector<uint64_t> keys_;     // in memory: sorted
    std::vector<uint32_t> owners_;   // owners_[i] owns keys_[i]
    int fd_ = -1;                    // on disk: count_ keys, then count_ owners
    std::vector<uint64_t> fences_;   // on disk: the first key of each block of kBlockKeys keys
};

}  // namespace mamori::platform
