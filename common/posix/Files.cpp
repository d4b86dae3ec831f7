#include "mamori/common/Files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>

namespace mamori::common {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& file, int err) {
    throw std::runtime_error("cannot " + what + " " + file.string() + ": " + std::strerror(err));
}

// A signal delivered to a daemon thread must not turn into a lost write.
int openRetrying(const char* path, int flags, unsigned mode) {
    int fd;
    do fd = ::open(path, flags, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

int fsyncRetrying(int fd) {
    int rc;
    do rc = ::fsync(fd);
    while (rc != 0 && errno == EINTR);
    return rc;
}

// Hands `chunk` each piece of the file as read(2) returns it, until it returns true or the file
// ends. With read(2), not a stream: the resident agent reads files each minute and on the path of
// a program being judged, and a stream's locale, buffers and formatting code would be faulted in
// again at each of them.
template <class Chunk>
void eachChunk(const std::filesystem::path& file, Chunk&& chunk) {
    struct Fd {
        int fd;
        ~Fd() { ::close(fd); }
    } in{openRetrying(file.c_str(), O_RDONLY | O_CLOEXEC, 0)};
    if (in.fd < 0) fail("read", file, errno);
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(in.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("read", file, errno);
        if (n == 0 || chunk(std::string_view(buf, static_cast<size_t>(n)))) return;
    }
}

}  // namespace

std::string Files::read(const std::filesystem::path& file) {
    std::string out;
    eachChunk(file, [&](std::string_view chunk) {
        out.append(chunk);
        return false;
    });
    return out;
}

bool Files::anyLine(const std::filesystem::path& file, const std::function<bool(std::string_view)>& line) {
    std::string split;  // the start of a line the last chunk cut
    bool found = false;
    eachChunk(file, [&](std::string_view chunk) {
        for (auto end = chunk.find('\n'); !found && end != std::string_view::npos; end = chunk.find('\n')) {
            if (split.empty()) {
                found = line(chunk.substr(0, end));
            } else {
                split.append(chunk.substr(0, end));
                found = line(split);
                split.clear();
            }
            chunk.remove_prefix(end + 1);
        }
        if (!found) split.append(chunk);
        return found;
    });
    // The last line, when nothing ends it.
    return found || (!split.empty() && line(split));
}

void Files::writeAtomic(const std::filesystem::path& file, std::string_view data, unsigned mode) {
    auto tmp = file;
    tmp += ".tmp";
    const int fd = openRetrying(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) fail("create", tmp, errno);
    ::fchmod(fd, mode);  // the umask must not widen or narrow what the caller asked for
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::close(fd);
            ::unlink(tmp.c_str());
            fail("write", file, err);
        }
        done += static_cast<size_t>(n);
    }
    const bool synced = fsyncRetrying(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!synced || ::rename(tmp.c_str(), file.c_str()) != 0) {
        const int why = synced ? errno : err;
        ::unlink(tmp.c_str());
        fail("write", file, why);
    }
    syncDirectory(file.parent_path());
}

void Files::createIfMissing(const std::filesystem::path& file, unsigned mode) {
    const int fd = openRetrying(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) fail("create or open", file, errno);
    ::close(fd);
}

void Files::createWithMode(const std::filesystem::path& file, unsigned mode) {
    const int fd = openRetrying(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) fail("create or open", file, errno);
    const int rc = ::fchmod(fd, mode);
    const int err = errno;
    ::close(fd);
    if (rc != 0) fail("restrict the mode of", file, err);
}

void Files::syncDirectory(const std::filesystem::path& dir) {
    const std::filesystem::path d = dir.empty() ? std::filesystem::path(".") : dir;
    const int fd = openRetrying(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) fail("open the directory", d, errno);
    const bool synced = fsyncRetrying(fd) == 0;
    const int err = errno;
    ::close(fd);
    // Some file systems (tmpfs on old kernels, certain FUSE) refuse fsync on a directory:
    // their entries are as durable as they will ever be.
    if (!synced && err != EINVAL && err != EROFS) fail("flush the directory", d, err);
}

bool Files::restrictToOwner(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return false;
    if (::chmod(file.c_str(), st.st_mode & 0700) != 0) {
        const int err = errno;
        const std::string f = file.string();
        throw std::runtime_error("the file " + f + " is readable by other users and its mode cannot be changed (" +
                                 std::strerror(err) + "); run: chmod 600 " + f + "\nファイル " + f +
                                 " が他のユーザーから読める状態で、権限を変更できません。chmod 600 " + f +
                                 " を実行してください。");
    }
    return true;
}

}  // namespace mamori::common
