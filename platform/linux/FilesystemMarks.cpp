#include "FilesystemMarks.h"

#include <fcntl.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "mamori/common/Log.h"
#include "MountTable.h"

namespace mamori::platform {

namespace asio = boost::asio;

namespace {

// A mount found moved between reading the table and opening it (a directory above it renamed)
// is looked at again this soon, this many times.
constexpr auto kRetry = std::chrono::seconds(1);
constexpr int kRetries = 3;

}  // namespace

FilesystemMarks::FilesystemMarks(asio::any_io_executor reactor, int fanotify_fd)
    : fan_(fanotify_fd), retry_(reactor) {
    const int fd = ::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(std::string("cannot read the mount table: ") + strerror(errno));
    table_ = std::make_unique<asio::posix::stream_descriptor>(reactor, fd);
}

FilesystemMarks::~FilesystemMarks() = default;

std::vector<std::string> FilesystemMarks::watch(const std::vector<std::string>& roots, uint64_t mask) {
    roots_ = roots;
    mask_ = mask;
    left_out_.clear();
    moved_.clear();
    auto problems = apply(MountTable::current());
    follow();
    return problems;
}

void FilesystemMarks::clear() {
    for (auto& [device, mark] : marks_) change(mark, FAN_MARK_REMOVE, mark.mask);
    marks_.clear();
    roots_.clear();
    retry_.cancel();
}

// The kernel flags the mount table's descriptor (POLLPRI) at every mount and unmount.
void FilesystemMarks::follow() {
    if (following_) return;
    following_ = true;
    table_->async_wait(asio::posix::descriptor_base::wait_error,
                       [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
                           if (alive.expired() || ec) return;
                           following_ = false;
                           // Waiting again before reading: a mount made while this reads is seen.
                           follow();
                           rescan();
                       });
}

void FilesystemMarks::rescan() {
    if (roots_.empty()) return;
    for (const auto& p : apply(MountTable::current())) {
        Log::warn("programs started on " + p + " are not watched");
    }
}

bool FilesystemMarks::inTable(uint64_t device, uint32_t mount) {
    if (devices_.count(device) || (mount != 0 && mounts_.count(mount))) return true;
    if (mount == 0) return false;
    // Mounted since the table was last read (its change may still be on the way): look again
    // before calling it unseen. Only execs from an unknown filesystem pay for this.
    const MountTable table = MountTable::current();
    for (const MountEntry& e : table.entries())
        if (e.device == device || e.id == mount) return true;
    return false;
}

std::vector<std::string> FilesystemMarks::apply(const MountTable& table) {
    std::vector<std::string> problems;
    devices_.clear();
    mounts_.clear();
    for (const MountEntry& e : table.entries()) {
        devices_.insert(e.device);
        mounts_.insert(e.id);
    }
    std::map<uint64_t, Mark> wanted;
    // Each root's own filesystem, whatever it is: the administrator named it.
    for (const auto& r : roots_) {
        const int fd = ::open(r.c_str(), O_PATH | O_CLOEXEC);
        if (fd < 0) {
            problems.push_back(r + ": " + strerror(errno));
            continue;
        }
        const uint32_t id = MountTable::mountOf(fd);
        ::close(fd);
        const MountEntry* e = table.byId(id);
        if (!e) {
            problems.push_back(r + ": its mount is not in the mount table");
            continue;
        }
        wanted.try_emplace(e->device, Mark{r, id, 0, FAN_MARK_FILESYSTEM, true});
    }
    std::vector<const MountEntry*> unreachable;
    for (const MountEntry* e : table.execMountsUnder(roots_, &unreachable)) {
        wanted.try_emplace(e->device, Mark{e->point, e->id, 0, FAN_MARK_FILESYSTEM, false});
    }
    for (const MountEntry* e : unreachable) {
        // Information, not a warning: every desktop login mounts its own (gvfs, the document portal).
        if (!wanted.count(e->device) && left_out_.insert({e->id, e->device}).second)
            Log::info("programs started on " + e->point + " are not watched: it is a FUSE or network filesystem, "
                      "or is reached through a FUSE one, and its server could keep the agent waiting");
    }

    bool again = false;
    std::map<uint64_t, Mark> kept;
    for (auto& [device, mark] : wanted) {
        const auto have = marks_.find(device);
        if (have != marks_.end()) {
            mark.mask = have->second.mask;
            mark.kind = have->second.kind;
        }
        if (!mark.root && left_out_.count({mark.mount, device})) continue;
        // Added again even when already in place: a device number freed by an unmount is given
        // to the next filesystem mounted, and adding a mask the kernel holds changes nothing.
        const int err = change(mark, FAN_MARK_ADD, mask_);
        if (err) {
            if (have != marks_.end()) kept.emplace(device, have->second);  // what the kernel still holds
            if (err == ESTALE && ++moved_[{mark.mount, device}] <= kRetries) {
                again = true;
            } else if (err == ESTALE) {
                // Still not where the table says, after the retries: another mount hides it
                // (mounted over a directory above it), and no path leads to it.
                left_out_.insert({mark.mount, device});
                Log::debug("programs started on " + mark.path + " are not watched: another mount hides it");
            } else if (mark.root) {
                problems.push_back(mark.path + ": " + strerror(err));
            } else if (err != ENOENT) {
                left_out_.insert({mark.mount, device});
                Log::warn("programs started on " + mark.path + " are not watched: " + strerror(err));
            }
            continue;
        }
        if (mark.mask & ~mask_) change(mark, FAN_MARK_REMOVE, mark.mask & ~mask_);
        mark.mask = mask_;
        kept.emplace(device, mark);
    }
    for (auto& [device, mark] : marks_) {
        if (kept.count(device)) continue;
        // A filesystem unmounted took its marks with it; its path may now lead to another one.
        const MountEntry* e = table.byId(mark.mount);
        if (e && e->device == device) change(mark, FAN_MARK_REMOVE, mark.mask);
    }
    marks_ = std::move(kept);
    // What is known of mounts since unmounted is forgotten.
    auto present = [&](const std::pair<uint32_t, uint64_t>& m) {
        const MountEntry* e = table.byId(m.first);
        return e && e->device == m.second;
    };
    std::erase_if(left_out_, [&](const auto& m) { return !present(m); });
    std::erase_if(moved_, [&](const auto& m) { return !present(m.first); });
    if (again) {
        retry_.expires_after(kRetry);
        retry_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
            if (!alive.expired() && !ec) rescan();
        });
    }
    return problems;
}

// 0, or the errno: ESTALE when the path no longer leads to the mount the mark is for.
int FilesystemMarks::change(Mark& mark, unsigned op, uint64_t mask) {
    const int fd = ::open(mark.path.c_str(), O_PATH | O_CLOEXEC | (mark.root ? 0 : O_NOFOLLOW));
    if (fd < 0) return errno;
    int err = ESTALE;
    if (MountTable::mountOf(fd) == mark.mount) {
        // Marked through the descriptor's own link: the walk ends at the file already open, with
        // no second lookup the path could be raced on.
        const std::string self = "/proc/self/fd/" + std::to_string(fd);
        auto markAs = [&](unsigned kind) {
            return fanotify_mark(fan_, op | kind, mask, AT_FDCWD, self.c_str()) == 0 ? 0 : errno;
        };
        err = markAs(mark.kind);
        // A kernel that will not mark a whole filesystem may still mark the one mount.
        if (err && op == FAN_MARK_ADD && mark.mask == 0 && mark.kind == FAN_MARK_FILESYSTEM &&
            markAs(FAN_MARK_MOUNT) == 0) {
            mark.kind = FAN_MARK_MOUNT;
            err = 0;
        }
    }
    ::close(fd);
    return err;
}

}  // namespace mamori::platform
