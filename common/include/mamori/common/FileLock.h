#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>

namespace mamori::common {

// An exclusive advisory lock (flock) on a file, held as long as this object lives, so that only
// one process at a time works on what the file guards (the agent's state directory). The kernel
// drops the lock when the holder dies however it dies, so a crash never leaves it stuck. The
// descriptor is close-on-exec: a program the holder starts never inherits the lock, and a holder
// that re-executes itself lets it go, so its new image can take it again.
class FileLock {
public:
    // Who holds the lock: the pid the holder wrote into the file, 0 when unreadable.
    struct Holder {
        uint32_t pid = 0;
    };

    // Creates the file (mode 0600, never through a symbolic link) and takes the lock without
    // waiting; records this process's pid in it. Returns nullopt and fills `holder` when another
    // process has it. Throws std::runtime_error when the file cannot be created or locked.
    static std::optional<FileLock> tryExclusive(const std::filesystem::path& file, Holder& holder);

    // Who holds the lock now, without taking it (nullopt: nobody, or no such file), from the
    // kernel's table of locks: a status query that briefly took the lock itself could make a
    // daemon starting at that moment exit as busy. The pid is the kernel's, not the file's, so a
    // dead holder whose pid was reused is never taken for a live one (0 when the holder is in
    // another pid namespace). Throws std::runtime_error when the table cannot be read.
    static std::optional<Holder> holderOf(const std::filesystem::path& file);

    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

private:
    explicit FileLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace mamori::common
