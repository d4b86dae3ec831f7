#include "UtmpSessionMonitor.h"

#include <signal.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>

#include "UtmpRecord.h"

namespace mamori::platform {

namespace {

namespace fs = std::filesystem;

constexpr uint32_t kFileMask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
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
// record is never read half-written. Its state is process-global: it is read on the reactor only.
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

}  // namespace

UtmpSessionMonitor::UtmpSessionMonitor(boost::asio::any_io_executor executor, SessionFiles files)
    : executor_(executor), files_(std::move(files)), inotify_(executor), failed_(executor, files_) {}

void UtmpSessionMonitor::start(Listener listener) {
    listener_ = std::move(listener);
    known_ = readUtmp(files_.utmp).logged_on;
    addWatches();
    inotify_.listen([this](const Inotify::Change& c) {
        if (c.mask & (IN_CREATE | IN_MOVED_TO | IN_IGNORED | IN_Q_OVERFLOW)) addWatches();
        if (!c.name.empty() && c.name != files_.utmp.filename()) return;
        scan();
    });
    failed_.start([this](const Session& s, int64_t when, const std::string& position) {
        if (listener_) listener_(SessionChange{SessionChange::Kind::LogonFailed, s, when, position});
    });
}

std::vector<Session> UtmpSessionMonitor::active() const {
    std::vector<Session> out;
    for (const auto& s : readUtmp(files_.utmp).logged_on)
        if (alive(s.pid)) out.push_back(s);
    return out;
}

bool UtmpSessionMonitor::logoff(const Session& session) {
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

// The file itself for its writes; its folder for the file being created anew. Adding a watch
// that exists only refreshes it.
void UtmpSessionMonitor::addWatches() {
    inotify_.add(files_.utmp.parent_path().empty() ? "." : files_.utmp.parent_path(), kDirMask);
    inotify_.add(files_.utmp, kFileMask);
}

void UtmpSessionMonitor::scan() {
    auto snap = readUtmp(files_.utmp);
    auto contains = [](const std::vector<Session>& v, const Session& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    auto report = [this](SessionChange::Kind kind, const Session& s, int64_t when) {
        if (listener_) listener_(SessionChange{kind, s, when});
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

}  // namespace mamori::platform
