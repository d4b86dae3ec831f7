// /proc/self/mountinfo as the exec watch reads it: names unescaped, noexec seen, lines that do
// not read so skipped and counted, and the choice of which mounts to watch.
#include "platform/linux/MountTable.h"

#include <sys/sysmacros.h>

#include <gtest/gtest.h>

using mamori::platform::MountEntry;
using mamori::platform::MountTable;

namespace {

std::vector<std::string> points(const std::vector<const MountEntry*>& v) {
    std::vector<std::string> out;
    for (const auto* e : v) out.push_back(e->point);
    return out;
}

// A desktop's table: the root, the kernel's views, a user's runtime directory, a stick, a user's
// FUSE mount with a stick-like mount inside it, and an NFS share.
const char* kDesktop =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
    "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
    "24 22 0:22 / /sys rw,nosuid,nodev,relatime shared:7 - sysfs sysfs rw\n"
    "25 22 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=8000k\n"
    "26 22 0:25 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,mode=755\n"
    "27 26 0:48 / /run/user/1000 rw,nosuid,nodev,relatime shared:300 - tmpfs tmpfs rw,mode=700,uid=1000\n"
    "28 22 8:17 / /media/taro/USB\\040STICK rw,nosuid,nodev,relatime shared:310 - vfat /dev/sdb1 rw,uid=1000\n"
    "29 22 8:2 / /home rw,relatime shared:30 - ext4 /dev/sda2 rw\n"
    "30 29 0:50 / /home/taro/remote rw,nosuid,nodev,relatime shared:320 - fuse.sshfs taro@host: rw,user_id=1000\n"
    "31 30 0:51 / /home/taro/remote/inner rw,nosuid,nodev,relatime shared:321 - tmpfs tmpfs rw\n"
    "32 22 0:52 / /mnt/share rw,relatime shared:330 - nfs4 server:/share rw,vers=4.2\n"
    "33 32 0:53 / /mnt/share/sub rw,relatime shared:331 - tmpfs tmpfs rw\n"
    "34 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,relatime shared:9 - cgroup2 cgroup2 rw\n"
    "35 23 0:54 / /proc/sys/fs/binfmt_misc rw,relatime shared:13 - autofs systemd-1 rw,fd=29\n";

}  // namespace

TEST(MountTable, ReadsEachFieldTheWatchUses) {
    const auto t = MountTable::parse(kDesktop);
    EXPECT_EQ(t.malformed(), 0u);
    ASSERT_EQ(t.entries().size(), 14u);
    const MountEntry* stick = t.byId(28);
    ASSERT_TRUE(stick);
    EXPECT_EQ(stick->parent, 22u);
    EXPECT_EQ(stick->device, makedev(8, 17));
    EXPECT_EQ(stick->point, "/media/taro/USB STICK");  // \040 is the kernel's writing of a space
    EXPECT_EQ(stick->type, "vfat");
    EXPECT_FALSE(stick->noexec);
    EXPECT_TRUE(t.byId(23)->noexec);
    EXPECT_EQ(t.byId(30)->type, "fuse.sshfs");
    EXPECT_FALSE(t.byId(99));
}

TEST(MountTable, UnderTheRootEveryMountAProgramCanStartFromIsWatched) {
    const auto t = MountTable::parse(kDesktop);
    std::vector<const MountEntry*> unreachable;
    EXPECT_EQ(points(t.execMountsUnder({"/"}, &unreachable)),
              (std::vector<std::string>{"/", "/dev", "/run/user/1000", "/media/taro/USB STICK", "/home",
                                        "/mnt/share/sub"}));
    // Served by a FUSE or NFS server, or reached through a FUSE one (a user's). A mount under the
    // city's NFS share is reached through the administrator's own server, and watched.
    EXPECT_EQ(points(unreachable),
              (std::vector<std::string>{"/home/taro/remote", "/home/taro/remote/inner", "/mnt/share"}));
}

TEST(MountTable, OnlyMountsAtOrUnderTheRootsAreWatched) {
    const auto t = MountTable::parse(kDesktop);
    EXPECT_EQ(points(t.execMountsUnder({"/home/", "/run/user"})),
              (std::vector<std::string>{"/run/user/1000", "/home"}));
    // A root is a path, not a prefix of names: /med is not /media.
    EXPECT_TRUE(t.execMountsUnder({"/med", "/home/taro/rem"}).empty());
    EXPECT_TRUE(t.execMountsUnder({}).empty());
}

TEST(MountTable, EscapedNamesAreUnescapedAndBadEscapesRefused) {
    const auto t = MountTable::parse(
        "40 1 0:60 / /tmp/a\\011b\\012c\\134d rw - tmpfs tmpfs rw\n"
        "41 1 0:61 / /tmp/bad\\09 rw - tmpfs tmpfs rw\n"
        "42 1 0:62 / /tmp/short\\01 rw - tmpfs tmpfs rw\n"
        "43 1 0:63 / /tmp/big\\777 rw - tmpfs tmpfs rw\n"  // past a byte
        "44 1 0:64 / /tmp/byte\\377 rw - tmpfs tmpfs rw\n");
    ASSERT_EQ(t.entries().size(), 2u);
    EXPECT_EQ(t.entries()[0].point, "/tmp/a\tb\nc\\d");
    EXPECT_EQ(t.entries()[1].point, "/tmp/byte\xff");
    EXPECT_EQ(t.malformed(), 3u);
}

TEST(MountTable, LinesThatDoNotReadSoAreSkippedAndCounted) {
    const char* bad[] = {
        "x 1 8:1 / / rw - ext4 /dev/sda1 rw",             // id not a number
        "22 1 8:1 / / rw ext4 /dev/sda1 rw",               // no separator
        "22 1 8-1 / / rw - ext4 /dev/sda1 rw",             // device without a colon
        "22 1 8:1 / / rw - ext4 /dev/sda1",                // too few fields after the separator
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw extra",       // too many
        "22 1 8:1 / relative rw - ext4 /dev/sda1 rw",      // a mount point is absolute
        "22 1 8:1 / / rw -  /dev/sda1 rw",                 // empty type
        "99999999999 1 8:1 / / rw - ext4 /dev/sda1 rw",    // out of range
        "22 1 8:1 / / - ext4 /dev/sda1 rw",                // the separator where the options are
        "22 1 :1 / / rw - ext4 /dev/sda1 rw",
        "",
        "-",
    };
    for (const char* line : bad) {
        SCOPED_TRACE(line);
        const auto t = MountTable::parse(line);
        EXPECT_TRUE(t.entries().empty());
        EXPECT_EQ(t.malformed(), *line ? 1u : 0u);
    }
    // The good lines around a bad one are kept; a repeated id keeps its first entry.
    const auto t = MountTable::parse(
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\nnonsense\n22 1 8:9 / /x rw - ext4 /dev/sdz rw\n"
        "23 22 0:30 / /tmp rw master:3 propagate_from:1 unbindable - tmpfs tmpfs rw\n");
    ASSERT_EQ(t.entries().size(), 2u);
    EXPECT_EQ(t.entries()[1].point, "/tmp");  // optional fields of any number
    EXPECT_EQ(t.malformed(), 2u);
}

TEST(MountTable, ALoopOfParentsEnds) {
    // Not what a kernel writes; the walk up the parents still ends.
    const auto t = MountTable::parse(
        "50 51 0:70 / /a rw - tmpfs tmpfs rw\n"
        "51 50 0:71 / /a/b rw - tmpfs tmpfs rw\n"
        "52 52 0:72 / /c rw - fuse fuse rw\n"
        "53 52 0:73 / /c/d rw - tmpfs tmpfs rw\n");
    std::vector<const MountEntry*> unreachable;
    EXPECT_EQ(points(t.execMountsUnder({"/"}, &unreachable)), (std::vector<std::string>{"/a", "/a/b"}));
    EXPECT_EQ(points(unreachable), (std::vector<std::string>{"/c", "/c/d"}));
}

TEST(MountTable, AMountCoveredByAnotherAtTheSamePointIsOutOfReach) {
    // /dev/shm mounted twice: no path leads to the first one any more.
    const auto t = MountTable::parse(
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
        "24 22 0:6 / /dev rw,nosuid - devtmpfs udev rw\n"
        "25 24 0:23 / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw\n"
        "30 25 0:27 / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw\n");
    EXPECT_EQ(points(t.execMountsUnder({"/dev"})), (std::vector<std::string>{"/dev", "/dev/shm"}));
    EXPECT_EQ(t.execMountsUnder({"/dev"}).back()->id, 30u);
}

TEST(MountTable, ServersThatMayNeverAnswerAreKnownByType) {
    for (const char* t : {"fuse", "fuseblk", "fuse.sshfs", "fuse.gvfsd-fuse"}) {
        EXPECT_TRUE(MountTable::servedByProcess(t)) << t;
        EXPECT_FALSE(MountTable::networked(t)) << t;
    }
    for (const char* t : {"nfs", "nfs4", "cifs", "smb3", "9p"}) {
        EXPECT_TRUE(MountTable::networked(t)) << t;
        EXPECT_FALSE(MountTable::servedByProcess(t)) << t;
    }
    for (const char* t : {"ext4", "xfs", "btrfs", "tmpfs", "vfat", "exfat", "iso9660", "overlay", "fusectl"}) {
        EXPECT_FALSE(MountTable::servedByProcess(t)) << t;
        EXPECT_FALSE(MountTable::networked(t)) << t;
    }
}
