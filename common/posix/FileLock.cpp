#include "mamori/common/FileLock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace mamori::common {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& file, int err) {
    throw std::runtime_error("cannot " + what + " " + file.string() + ": " + std::strerror(err));
}

uint32_t readPid(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    char* end = nullptr;
    const unsigned long pid = std::strtoul(buf, &end, 10);
    return end != buf && pid > 0 && pid < (1ul << 31) ? static_cast<uint32_t>(pid) : 0;
}

}  // namespace

std::optional<FileLock> FileLock::tryExclusive(const std::filesystem::path& file, Holder& holder) {
    int fd;
    do fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) fail("create or open the lock file", file, errno);
    int rc;
    do rc = ::flock(fd, LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        const int err = errno;
        if (err == EWOULDBLOCK) holder.pid = readPid(fd);
        ::close(fd);
        if (err == EWOULDBLOCK) return std::nullopt;
        fail("lock", file, err);
    }
    // Only the holder writes, so a reader sees a whole pid or an empty file while it is written.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        const int err = errno;
        ::close(fd);
        fail("write the pid into the lock file", file, err);
    }
    return FileLock(fd);
}

// /proc/locks (proc(5)): "1: FLOCK  ADVISORY  WRITE 4242 fe:00:10954042 0 EOF", the device's
// major and minor in hex and the inode in decimal; a waiter's line has "->" after the number.
std::optional<FileLock::Holder> FileLock::holderOf(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::nullopt;
        fail("read", file, errno);
    }
    std::ifstream locks("/proc/locks");
    if (!locks) throw std::runtime_error("cannot read /proc/locks to see whether " + file.string() + " is locked");
    for (std::string line; std::getline(locks, line);) {
        std::istringstream words(line);
        std::string number, type, mode, access, where;
        long pid = 0;
        if (!(words >> number >> type) || type != "FLOCK") continue;  // a waiter ("->") or a POSIX lock
        if (!(words >> mode >> access >> pid >> where)) continue;
        unsigned major = 0, minor = 0;
        unsigned long long inode = 0;
        if (std::sscanf(where.c_str(), "%x:%x:%llu", &major, &minor, &inode) != 3) continue;
        if (major == ::major(st.st_dev) && minor == ::minor(st.st_dev) && inode == st.st_ino)
            return Holder{pid > 0 ? static_cast<uint32_t>(pid) : 0};
    }
    return std::nullopt;
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

// Closing the only descriptor of the open file releases the lock. The pid stays in the file:
// truncating it here would race with the next holder writing its own.
FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace mamori::common
