#include "FailedLogons.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "UtmpRecord.h"
#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::platform {

namespace {
constexpr uint32_t kFileMask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
// Only creations and renames in the parent: watching its writes would wake the agent for
// every line any daemon logs to /var/log.
constexpr uint32_t kDirMask = IN_CREATE | IN_MOVED_TO;
}  // namespace

FailedLogons::FailedLogons(boost::asio::any_io_executor executor, std::filesystem::path btmp,
                           std::filesystem::path position)
    : btmp_(std::move(btmp)), position_(std::move(position)), inotify_(executor), initial_scan_(executor) {}

FailedLogons::FileId FailedLogons::fileId(const std::filesystem::path& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return {};
    return {st.st_dev, st.st_ino};
}

void FailedLogons::start(Listener listener) {
    listener_ = std::move(listener);
    if (!loadPosition()) {
        offset_ = 0;
        id_ = fileId(btmp_);
        if (struct stat st; ::stat(btmp_.c_str(), &st) == 0) offset_ = st.st_size;
        savePosition();
    }
    addWatches();
    inotify_.listen([this](const Inotify::Change& c) {
        if (c.mask & (IN_CREATE | IN_MOVED_TO | IN_IGNORED | IN_Q_OVERFLOW)) addWatches();
        if (!c.name.empty() && c.name != btmp_.filename()) return;
        scan();
    });
    // What was appended while no agent ran (or since a rotation meanwhile), reported once the
    // caller's start is over rather than from inside it.
    // A timer rather than a post: destroying this object cancels it, so no handler outlives it.
    initial_scan_.expires_after(std::chrono::seconds(0));
    initial_scan_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) scan();
    });
}

// "dev ino offset": the position of the last run, true when there was one. A rotated or
// replaced file is read from its start by scan(), which sees another identity.
bool FailedLogons::loadPosition() {
    if (position_.empty()) return false;
    std::ifstream in(position_);
    unsigned long long dev = 0, ino = 0, offset = 0;
    if (!(in >> dev >> ino >> offset)) return false;
    id_ = {static_cast<dev_t>(dev), static_cast<ino_t>(ino)};
    offset_ = offset;
    return true;
}

void FailedLogons::savePosition() {
    if (position_.empty()) return;
    std::ostringstream out;
    out << id_.dev << ' ' << id_.ino << ' ' << offset_ << '\n';
    try {
        mamori::common::Files::writeAtomic(position_, out.str(), 0600);
    } catch (const std::exception& e) {
        // Reported, not fatal: the next start then reads from where the last saved position says.
        Log::warn(std::string("failed logons: cannot keep the read position: ") + e.what());
    }
}

// The file itself for its writes; its folder for the file being created anew. Adding a watch
// that exists only refreshes it.
void FailedLogons::addWatches() {
    inotify_.add(btmp_.parent_path().empty() ? "." : btmp_.parent_path(), kDirMask);
    inotify_.add(btmp_, kFileMask);
}

void FailedLogons::scan() {
    const uint64_t offset_before = offset_;
    const FileId id_before = id_;
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
    if (offset_ != offset_before || !(id_ == id_before)) savePosition();
}

}  // namespace mamori::platform
