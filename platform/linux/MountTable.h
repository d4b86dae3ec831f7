#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mamori::platform {

// One mount, as a line of /proc/self/mountinfo gives it.
struct MountEntry {
    uint32_t id = 0;
    uint32_t parent = 0;
    uint64_t device = 0;  // the filesystem's (its superblock's) device number, makedev(major, minor)
    std::string point;    // where it is mounted, unescaped
    std::string type;     // "ext4", "tmpfs", "fuse.sshfs", ...
    bool noexec = false;  // no program can start from it
};

// The mounts of the agent's mount namespace. Mount points are names users choose (a FUSE mount
// in a home directory, a stick's label under /media), so the text is parsed as outside input:
// a line that does not read as mountinfo is skipped and counted, never guessed at.
class MountTable {
public:
    static MountTable parse(std::string_view text);
    // This process's own table (/proc/self/mountinfo), read now; empty where it cannot be read.
    static MountTable current();
    // Another process's (its mount namespace's), read now; empty where it cannot be read.
    static MountTable ofProcess(uint32_t pid);
    // The mount an open descriptor is on, as /proc/self/fdinfo says: the kernel's own record,
    // with no call into the filesystem (as stat() would make). 0 when it cannot be read.
    static uint32_t mountOf(int fd);

    const std::vector<MountEntry>& entries() const { return entries_; }
    size_t malformed() const { return malformed_; }
    const MountEntry* byId(uint32_t id) const;

    // The mounts programs can start from at or under any of roots: not noexec, of a type that
    // can hold a program file, and not covered by another mounted on top of it. Two kinds go to `unreachable` instead:
    //  - a FUSE or network filesystem itself: the kernel opens each exec's file for the watcher
    //    as it reads the event, so a server that never answers would hold the watcher, and with
    //    it every exec on the machine;
    //  - a mount reached through a FUSE filesystem: marking it looks names up there, and any
    //    user may run a FUSE server. (A network filesystem on the way is the administrator's own,
    //    as a network root is: a terminal whose root stops answering stops with it anyway.)
    std::vector<const MountEntry*> execMountsUnder(const std::vector<std::string>& roots,
                                                   std::vector<const MountEntry*>* unreachable = nullptr) const;

    // false for the kernel's views (proc, sysfs, cgroup, ...) and automount points.
    static bool mayHoldPrograms(std::string_view type);
    // FUSE: a process serves it, whoever started that process.
    static bool servedByProcess(std::string_view type);
    // NFS, SMB, 9p, ...: a server elsewhere serves it.
    static bool networked(std::string_view type);

private:
    std::vector<MountEntry> entries_;
    std::unordered_map<uint32_t, size_t> by_id_;  // id -> index in entries_
    size_t malformed_ = 0;
};

}  // namespace mamori::platform
