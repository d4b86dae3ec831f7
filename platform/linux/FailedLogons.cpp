#include "FailedLogons.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "UtmpRecord.h"

namespace mamori::platform {

namespace {
constexpr uint32_t kFileMask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
// Only creations and renames in the parent: watching its writes would wake the agent for
// every line any daemon logs to /var/log.
constexpr uint32_t kDirMask = IN_CREATE | IN_MOVED_TO;
}  // namespace

FailedLogons::FailedLogons(boost::asio::any_io_executor executor, std::filesystem::path btmp)
    : btmp_(std::move(btmp)), inotify_(executor) {}

FailedLogons::FileId FailedLogons::fileId(const std::filesystem::path& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return {};
    return {st.st_dev, st.st_ino};
}

void FailedLogons::start(Listener listener) {
    listener_ = std::move(listener);
    offset_ = 0;
    id_ = fileId(btmp_);
    if (struct stat st; ::stat(btmp_.c_str(), &st) == 0) offset_ = st.st_size;
    addWatches();
    inotify_.listen([this](const Inotify::Change& c) {
        if (c.mask & (IN_CREATE | IN_MOVED_TO | IN_IGNORED | IN_Q_OVERFLOW)) addWatches();
        if (!c.name.empty() && c.name != btmp_.filename()) return;
        scan();
    });
}

// The file itself for its writes; its folder for the file being created anew. Adding a watch
// that exists only refreshes it.
void FailedLogons::addWatches() {
    inotify_.add(btmp_.parent_path().empty() ? "." : btmp_.parent_path(), kDirMask);
    inotify_.add(btmp_, kFileMask);
}

void FailedLogons::scan() {
    FileId id = fileId(btmp_);
    if (!(id == id_)) {
        id_ = id;
        offset_ = 0;  // a new file (rotated): read it from the start
    }
    int fd = ::open(btmp_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (::fstat(fd, &st) == 0) {
        if (static_cast<uint64_t>(st.st_size) < offset_) offset_ = 0;  // truncated
        std::string buf(sizeof(utmpx), '\0');
        while (offset_ + sizeof(utmpx) <= static_cast<uint64_t>(st.st_size)) {
            ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset_));
            if (n != static_cast<ssize_t>(buf.size())) break;  // a record still being written
            offset_ += buf.size();
            if (auto r = UtmpRecord::fromBytes(buf)) {
                Session s = UtmpRecord::toSession(*r);
                if (listener_) listener_(s, s.start_unix ? s.start_unix : static_cast<int64_t>(::time(nullptr)));
            }
        }
    }
    ::close(fd);
}

}  // namespace mamori::platform
