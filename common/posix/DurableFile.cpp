#include "mamori/common/DurableFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "mamori/common/Files.h"

namespace mamori::common {

DurableFile::DurableFile(std::filesystem::path path) : path_(std::move(path)) {}

DurableFile::~DurableFile() {
    if (fd_ >= 0) ::close(fd_);
}

void DurableFile::syncData() {
    // A SQLite WAL is only replaced if every connection closes it; the writer's stays open, but
    // check the inode anyway rather than sync a file that no longer has this name.
    if (fd_ >= 0) {
        struct stat ours {}, current {};
        if (::fstat(fd_, &ours) != 0 || ::stat(path_.c_str(), &current) != 0 || ours.st_ino != current.st_ino ||
            ours.st_dev != current.st_dev) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    if (fd_ < 0) {
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            const int err = errno;
            throw std::runtime_error("cannot open " + path_.string() + ": " + std::strerror(err));
        }
        // A new file's directory entry must be durable too.
        try {
            Files::syncDirectory(path_.parent_path());
        } catch (const std::exception&) {
            ::close(fd_);
            fd_ = -1;
            throw;
        }
    }
    if (::fdatasync(fd_) != 0) {
        const int err = errno;
        throw std::runtime_error("cannot flush " + path_.string() + " to disk: " + std::strerror(err));
    }
}

}  // namespace mamori::common
