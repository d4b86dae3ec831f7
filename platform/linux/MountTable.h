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

    const std::vector<MountEntry>& entries() const { return entries_; }
    size_t malformed() const { return malformed_; }
    const MountEntry* byId(uint32_t id) const;

    // The mounts programs can start from at or under any of roots: not noexec, and of a type
    // that can hold a program file. A FUSE or network filesystem, and any mount reached through
    // one, goes to `unreachable` instead: the kernel opens each exec's file for the watcher as it
    // reads the event, so a server that never answers (any user may run a FUSE server) would
    // hold the watcher, and with it every exec on the machine.
    std::vector<const MountEntry*> execMountsUnder(const std::vector<std::string>& roots,
                                                   std::vector<const MountEntry*>* unreachable = nullptr) const;

    // false for the kernel's views (proc, sysfs, cgroup, ...) and automount points.
    static bool mayHoldPrograms(std::string_view type);
    // A filesystem type whose lookups wait on a process or a server rather than on a disk.
    static bool mayStall(std::string_view type);

private:
    std::vector<MountEntry> entries_;
    std::unordered_map<uint32_t, size_t> by_id_;  // id -> index in entries_
    size_t malformed_ = 0;
};

}  // namespace mamori::platform
