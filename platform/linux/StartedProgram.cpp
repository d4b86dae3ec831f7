#include "StartedProgram.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "MountTable.h"
#include "OpenExecutable.h"
#include "ProcLink.h"

namespace mamori::platform {

namespace {

// The file the process runs, as a descriptor that only names it (O_PATH: nothing is asked of the
// filesystem), and what statx knows of it without asking either.
struct Exe {
    int fd = -1;
    FileIdentity identity;
};

std::optional<Exe> openExe(const std::string& proc) {
    const int fd = ::open((proc + "/exe").c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct statx st{};
    if (::statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &st) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    Exe e;
    e.fd = fd;
    e.identity = FileIdentity{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino, st.stx_size,
                              int64_t(st.stx_mtime.tv_sec) * 1'000'000'000 + st.stx_mtime.tv_nsec,
                              int64_t(st.stx_ctime.tv_sec) * 1'000'000'000 + st.stx_ctime.tv_nsec};
    return e;
}

// The filesystem every memfd lives on: the kernel's internal one, found by making a memfd.
uint64_t memfdDevice() {
    static const uint64_t device = [] {
        const int fd = ::memfd_create("mamori-probe", MFD_CLOEXEC);
        if (fd < 0) return uint64_t{0};
        struct stat st{};
        const bool ok = ::fstat(fd, &st) == 0;
        ::close(fd);
        return ok ? static_cast<uint64_t>(st.st_dev) : uint64_t{0};
    }();
    return device;
}

bool sendSignal(int pidfd, int sig) { return ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0; }

}  // namespace

std::unique_ptr<StartedProgram> StartedProgram::outsideWatch(uint32_t pid,
                                                             const std::function<bool(uint64_t, uint32_t)>& inTable) {
    const std::string proc = "/proc/" + std::to_string(pid);
    // Every exec on the machine comes this way, nearly all from a filesystem of the table last
    // read: one statx through the exe link answers those.
    {
        struct statx st{};
        if (::statx(AT_FDCWD, (proc + "/exe").c_str(), AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &st) != 0) return nullptr;
        if (inTable(makedev(st.stx_dev_major, st.stx_dev_minor), 0)) return nullptr;
    }
    // Then by its mount as well (a file on an overlay shows its layer's device), reading the
    // table again if need be.
    const auto first = openExe(proc);
    if (!first) return nullptr;
    const uint32_t first_mount = MountTable::mountOf(first->fd);
    ::close(first->fd);
    if (inTable(first->identity.device, first_mount)) return nullptr;

    // Pinned from here. What was looked at may have been an earlier process of the same number:
    // look again, then see the pidfd's process still alive, so the look was at its program.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) return nullptr;
    const auto exe = openExe(proc);
    const std::string path = procLink(proc + "/exe");
    const uint32_t mount = exe ? MountTable::mountOf(exe->fd) : 0;
    if (!exe || !sendSignal(pidfd, 0) ||
        ((exe->identity.device != first->identity.device || mount != first_mount) && inTable(exe->identity.device, mount))) {
        if (exe) ::close(exe->fd);
        ::close(pidfd);
        return nullptr;
    }
    // Readable when the filesystem is the memfds' own, or one the process's table shows is not
    // served by a FUSE or network server. Anything else (a mount gone from its table, say) is
    // left unread: a server that never answers must not hold a thread of the agent's.
    bool readable = exe->identity.device == memfdDevice();
    if (!readable && mount != 0) {
        const MountTable table = MountTable::ofProcess(pid);
        if (const MountEntry* e = table.byId(mount))
            readable = !MountTable::servedByProcess(e->type) && !MountTable::networked(e->type);
    }
    int fd = -1;
    if (readable) fd = ::open(("/proc/self/fd/" + std::to_string(exe->fd)).c_str(), O_RDONLY | O_CLOEXEC);
    ::close(exe->fd);
    return std::unique_ptr<StartedProgram>(new StartedProgram(
        pidfd, std::make_shared<const OpenExecutable>(fd, path.empty() ? proc + "/exe" : path, exe->identity)));
}

StartedProgram::~StartedProgram() { ::close(pidfd_); }

bool StartedProgram::stop() { return sendSignal(pidfd_, SIGKILL); }

}  // namespace mamori::platform
