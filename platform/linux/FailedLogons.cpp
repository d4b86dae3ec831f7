#include "FailedLogons.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
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

FailedLogons::FailedLogons(boost::asio::any_io_executor executor, const SessionFiles& files)
    : btmp_(files.btmp),
      position_file_(files.btmp_position),
      journaled_(files.journaled_position),
      inotify_(executor),
      initial_scan_(executor) {}

FailedLogons::FileId FailedLogons::fileId(const std::filesystem::path& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return {};
    return {st.st_dev, st.st_ino};
}

std::optional<FailedLogons::Position> FailedLogons::parse(const std::string& text) {
    // The stream would take "-1" as the largest number there is.
    if (text.find('-') != std::string::npos) return std::nullopt;
    std::istringstream in(text);
    unsigned long long dev = 0, ino = 0, offset = 0, step = 0;
    if (!(in >> dev >> ino >> offset)) return std::nullopt;
    if (!(in >> step)) {
        if (!in.eof()) return std::nullopt;
        step = 0;
    }
    if (in >> std::ws; !in.eof()) return std::nullopt;
    return Position{{static_cast<dev_t>(dev), static_cast<ino_t>(ino)}, offset, step};
}

std::string FailedLogons::text(const Position& p) {
    return std::to_string(p.id.dev) + ' ' + std::to_string(p.id.ino) + ' ' + std::to_string(p.offset) + ' ' +
           std::to_string(p.step);
}

void FailedLogons::start(Listener listener) {
    listener_ = std::move(listener);
    if (!loadPosition()) {
        at_ = Position{fileId(btmp_), 0, 1};  // step 0 is a file of an agent that kept no steps
        if (struct stat st; ::stat(btmp_.c_str(), &st) == 0) at_.offset = st.st_size;
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

// The position of the last run, true when there was one: the later of the file's and the
// journal's. A rotated or replaced file is read from its start by scan(), which sees another
// identity.
bool FailedLogons::loadPosition() {
    if (position_file_.empty()) return false;
    std::optional<Position> saved, journaled;
    if (std::ifstream in(position_file_); in) {
        std::string line;
        std::getline(in, line);
        saved = parse(line);
    }
    if (journaled_)
        if (auto text = journaled_()) journaled = parse(*text);
    const uint64_t last_step = std::max(saved ? saved->step : 0, journaled ? journaled->step : 0);
    // A file without steps was written by an agent that kept none, after every position in the
    // journal (the first start after an upgrade, or an older package put back): it stands.
    if (journaled && (!saved || (saved->step != 0 && journaled->step > saved->step))) saved = journaled;
    if (!saved) return false;
    // Steps go on from the larger of the two, and the file says so at once: a journal's
    // position from before an older package ran must never look later than what comes next.
    at_ = *saved;
    at_.step = last_step + 1;
    savePosition();
    return true;
}

void FailedLogons::savePosition() {
    if (position_file_.empty()) return;
    try {
        mamori::common::Files::writeAtomic(position_file_, text(at_) + '\n', 0600);
    } catch (const std::exception& e) {
        // Reported, not fatal: the next start then reads from where the last saved position
        // (or the last journaled attempt) says.
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
    const uint64_t step_before = at_.step;
    FileId id = fileId(btmp_);
    if (!(id == at_.id)) {
        at_ = Position{id, 0, at_.step + 1};  // a new file (rotated): read it from the start
    }
    int fd = ::open(btmp_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (at_.step != step_before) savePosition();
        return;
    }
    struct stat st;
    if (::fstat(fd, &st) == 0) {
        if (static_cast<uint64_t>(st.st_size) < at_.offset) at_ = Position{at_.id, 0, at_.step + 1};  // truncated
        std::string buf(sizeof(utmpx), '\0');
        while (at_.offset + sizeof(utmpx) <= static_cast<uint64_t>(st.st_size)) {
            ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(at_.offset));
            if (n != static_cast<ssize_t>(buf.size())) break;  // a record still being written
            at_.offset += buf.size();
            ++at_.step;
            if (auto r = UtmpRecord::fromBytes(buf)) {
                Session s = UtmpRecord::toSession(*r);
                const int64_t when = s.start_unix ? s.start_unix : static_cast<int64_t>(::time(nullptr));
                if (listener_) listener_(s, when, text(at_));
            }
        }
    }
    ::close(fd);
    if (at_.step != step_before) savePosition();
}

}  // namespace mamori::platform
