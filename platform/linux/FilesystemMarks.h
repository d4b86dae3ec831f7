#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace mamori::platform {

class MountTable;

// A fanotify group's marks on every filesystem programs can start from at or under the watched
// paths, kept so as mounts come and go: a stick mounted under /media, a user's /run/user/UID.
// Marking only the paths' own filesystems once, at start, would leave every filesystem mounted
// later unwatched.
//
// Each mark is made on a descriptor opened without following a final symlink and checked to be
// the very mount the table names (its mnt_id, from the kernel's record, not from stat), so a user
// who renames directories under a mount point cannot turn a mark onto another filesystem. FUSE
// and network filesystems are left unwatched, with a warning (MountTable::execMountsUnder): a
// server that never answers must not be able to hold the watcher.
//
// Runs on the reactor it is given. Its marks stay with the group when it is destroyed; closing
// the group drops them.
class FilesystemMarks {
public:
    FilesystemMarks(boost::asio::any_io_executor reactor, int fanotify_fd);
    ~FilesystemMarks();
    FilesystemMarks(const FilesystemMarks&) = delete;
    FilesystemMarks& operator=(const FilesystemMarks&) = delete;

    // Marks `mask` on the filesystem of each root, and on every filesystem mounted at or under
    // one (now and from now on). A mask already in place is replaced only after the new one is,
    // so no exec slips through a change. Returns one message per root that cannot be watched.
    std::vector<std::string> watch(const std::vector<std::string>& roots, uint64_t mask);
    // Removes every mark and stops following the mount table.
    void clear();
    // Whether a file is on a filesystem mounted anywhere in the agent's mount namespace (marked,
    // or left out by choice), by its device number or its mount. One that is neither can only be
    // the kernel's own (a memfd) or mounted in another namespace, where no mark of ours reaches.
    // Both are needed: a file on an overlay shows the device of its layer, not the overlay's,
    // and a service's private namespace has its own mount ids for the same filesystems. With
    // mount 0 (not known yet) only the table last read is asked; otherwise a miss reads it again.
    bool inTable(uint64_t device, uint32_t mount);

private:
    struct Mark {
        std::string path;
        uint32_t mount = 0;  // the mount the path must still lead to
        uint64_t mask = 0;
        unsigned kind = 0;   // FAN_MARK_FILESYSTEM, or FAN_MARK_MOUNT where the kernel refuses that
        bool root = false;   // a path the policy names (symlinks followed), not one found mounted
    };

    void follow();
    void rescan();
    std::vector<std::string> apply(const MountTable& table);
    int change(Mark& mark, unsigned op, uint64_t mask);

    const int fan_;
    std::vector<std::string> roots_;
    uint64_t mask_ = 0;
    std::map<uint64_t, Mark> marks_;  // by filesystem (device number)
    std::unordered_set<uint64_t> devices_;  // every filesystem in the table last read
    std::unordered_set<uint32_t> mounts_;   // and every mount
    // (mount, device) left unwatched and logged once: of a kind never marked, or refused by the
    // kernel. A desktop's own FUSE mounts (gvfs, the document portal) are told of once each.
    std::set<std::pair<uint32_t, uint64_t>> left_out_;
    std::map<std::pair<uint32_t, uint64_t>, int> moved_;  // (mount, device) -> times found elsewhere
    bool following_ = false;
    std::unique_ptr<boost::asio::posix::stream_descriptor> table_;  // /proc/self/mountinfo, only polled for changes
    boost::asio::steady_timer retry_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mamori::platform
