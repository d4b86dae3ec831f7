#include <fcntl.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>

#include "Inotify.h"
#include "UtmpRecord.h"
#include "mamori/platform/SessionMonitor.h"
#include "mamori/proto/Log.h"

namespace mamori::platform {

namespace {

namespace fs = std::filesystem;

constexpr uint32_t kFileMask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
// Only creations and renames in the parent: watching its writes would wake the agent for
// every line any daemon logs to /var/log.
constexpr uint32_t kDirMask = IN_CREATE | IN_MOVED_TO;
// A session leader that ignored the hang-up gets SIGKILL this much later.
constexpr auto kLogoffGrace = std::chrono::seconds(5);

int64_t nowUnix() { return static_cast<int64_t>(::time(nullptr)); }

bool alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

struct UtmpSnapshot {
    std::vector<Session> logged_on;  // USER_PROCESS records
    std::vector<utmpx> dead;         // DEAD_PROCESS records: when each line was last logged off
};

// glibc's utmp reader: it takes the same file lock as the login programs' pututxline(), so a
// record is never read half-written. Its state is process-global, and the agent has one thread.
UtmpSnapshot readUtmp(const fs::path& file) {
    UtmpSnapshot snap;
    if (utmpxname(file.c_str()) != 0) return snap;
    setutxent();
    while (const utmpx* r = getutxent()) {
        if (r->ut_type == USER_PROCESS) snap.logged_on.push_back(UtmpRecord::toSession(*r));
        else if (r->ut_type == DEAD_PROCESS) snap.dead.push_back(*r);
    }
    endutxent();
    return snap;
}

class LinuxSessionMonitor final : public SessionMonitor {
public:
    LinuxSessionMonitor(boost::asio::any_io_executor executor, SessionFiles files)
        : executor_(executor), files_(std::move(files)), inotify_(executor) {}

    void start(Listener listener) override {
        listener_ = std::move(listener);
        known_ = readUtmp(files_.utmp).logged_on;
        // Failed logons from before the agent started are in btmp already; the audit trail
        // starts here rather than replaying the file's whole history.
        btmp_offset_ = 0;
        btmp_id_ = fileId(files_.btmp);
        if (struct stat st; ::stat(files_.btmp.c_str(), &st) == 0) btmp_offset_ = st.st_size;
        addWatches();
        inotify_.listen([this](const Inotify::Change& c) { onChange(c); });
    }

    std::vector<Session> active() const override {
        std::vector<Session> out;
        for (const auto& s : readUtmp(files_.utmp).logged_on)
            if (alive(s.pid)) out.push_back(s);
        return out;
    }

    bool logoff(const Session& session) override {
        // Through a pidfd, so that the follow-up SIGKILL cannot hit a process that reused the pid.
        int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, session.pid, 0));
        if (pidfd < 0) return false;
        if (::syscall(SYS_pidfd_send_signal, pidfd, SIGHUP, nullptr, 0) != 0) {
            ::close(pidfd);
            return false;
        }
        auto timer = std::make_shared<boost::asio::steady_timer>(executor_, kLogoffGrace);
        timer->async_wait([timer, pidfd](const boost::system::error_code&) {
            ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);  // ESRCH once it has gone
            ::close(pidfd);
        });
        return true;
    }

private:
    struct FileId {
        dev_t dev = 0;
        ino_t ino = 0;
        bool operator==(const FileId&) const = default;
    };

    static FileId fileId(const fs::path& p) {
        struct stat st;
        if (::stat(p.c_str(), &st) != 0) return {};
        return {st.st_dev, st.st_ino};
    }

    // The files themselves for their writes; their folders for the file being created anew
    // (logrotate moves btmp aside monthly). Adding a watch that exists only refreshes it.
    void addWatches() {
        for (const auto* f : {&files_.utmp, &files_.btmp}) {
            inotify_.add(f->parent_path().empty() ? "." : f->parent_path(), kDirMask);
            inotify_.add(*f, kFileMask);
        }
    }

    void onChange(const Inotify::Change& c) {
        if (c.mask & (IN_CREATE | IN_MOVED_TO | IN_IGNORED | IN_Q_OVERFLOW)) addWatches();
        if (!c.name.empty() && c.name != files_.utmp.filename() && c.name != files_.btmp.filename()) return;
        scanUtmp();
        scanBtmp();
    }

    void scanUtmp() {
        auto snap = readUtmp(files_.utmp);
        auto contains = [](const std::vector<Session>& v, const Session& s) {
            return std::find(v.begin(), v.end(), s) != v.end();
        };
        std::vector<Session> previous = std::exchange(known_, snap.logged_on);
        for (const auto& s : known_)
            if (!contains(previous, s)) report(SessionChange::Kind::Logon, s, s.start_unix);
        for (const auto& s : previous) {
            if (contains(known_, s)) continue;
            // The logout program rewrites the line's record as DEAD_PROCESS with the time of logoff.
            int64_t when = nowUnix();
            for (const auto& d : snap.dead) {
                if (UtmpRecord::text(d.ut_line, sizeof d.ut_line) == s.line && d.ut_tv.tv_sec >= s.start_unix)
                    when = d.ut_tv.tv_sec;
            }
            report(SessionChange::Kind::Logoff, s, when);
        }
    }

    void scanBtmp() {
        FileId id = fileId(files_.btmp);
        if (!(id == btmp_id_)) {
            btmp_id_ = id;
            btmp_offset_ = 0;  // a new file (rotated): read it from the start
        }
        int fd = ::open(files_.btmp.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;
        struct stat st;
        if (::fstat(fd, &st) == 0) {
            if (static_cast<uint64_t>(st.st_size) < btmp_offset_) btmp_offset_ = 0;  // truncated
            std::string buf(sizeof(utmpx), '\0');
            while (btmp_offset_ + sizeof(utmpx) <= static_cast<uint64_t>(st.st_size)) {
                ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(btmp_offset_));
                if (n != static_cast<ssize_t>(buf.size())) break;  // a record still being written
                btmp_offset_ += buf.size();
                if (auto r = UtmpRecord::fromBytes(buf)) {
                    Session s = UtmpRecord::toSession(*r);
                    report(SessionChange::Kind::LogonFailed, s, s.start_unix ? s.start_unix : nowUnix());
                }
            }
        }
        ::close(fd);
    }

    void report(SessionChange::Kind kind, const Session& s, int64_t when) {
        if (listener_) listener_(SessionChange{kind, s, when});
    }

    boost::asio::any_io_executor executor_;
    SessionFiles files_;
    Inotify inotify_;
    Listener listener_;
    std::vector<Session> known_;
    uint64_t btmp_offset_ = 0;
    FileId btmp_id_;
};

}  // namespace

std::unique_ptr<SessionMonitor> sessionMonitor(boost::asio::any_io_executor executor, SessionFiles files) {
    return std::make_unique<LinuxSessionMonitor>(executor, std::move(files));
}

}  // namespace mamori::platform
