#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "ExecNotices.h"
#include "FilesystemMarks.h"
#include "OpenExecutable.h"
#include "ProcLink.h"
#include "StartedProgram.h"
#include "ProcStatLine.h"
#include "mamori/platform/ProcessWatch.h"
#include "mamori/common/Log.h"

namespace mamori::platform {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Files whose execs are allowed without asking the reactor (ProcessWatch::trust).
constexpr size_t kTrustedFiles = 65536;
// Programs started outside the watch, awaiting their verdict (ProcessWatch::answer).
constexpr size_t kStartedAwaitingVerdict = 256;

struct ProcStat {
    uint32_t ppid = 0;
    uint32_t sid = 0;
    uint32_t uid = 0;
};

// One read of /proc/<pid>/stat: the parent and session (to recognise our own descendants) and,
// from the file's owner, the effective uid. Its path is made without snprintf: this runs at every
// exec on the machine, and the printf engine is code the resident agent would otherwise fault in.
ProcStat procStat(uint32_t pid) {
    ProcStat out;
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf);
    struct stat st{};
    if (::fstat(fd, &st) == 0) out.uid = st.st_uid;
    ::close(fd);
    if (n <= 0) return out;
    if (const auto line = ProcStatLine::parse(std::string_view(buf, static_cast<size_t>(n)))) {
        out.ppid = line->ppid;
        out.sid = line->session;
    }
    return out;
}

// fanotify on whole filesystems. Observing uses FAN_OPEN_EXEC, so nothing ever waits for us;
// holding uses FAN_OPEN_EXEC_PERM with a deadline on every held exec.
//
// The fanotify descriptor and the deadline timer live on a reactor of their own, on one thread
// that does nothing else, and the verdicts are judged on the agent's reactor. The agent's
// reactor can be blocked where the watch cannot know it: posix_spawn() suspends its caller
// until the child has exec'd, so an agent spawning a helper on its reactor would wait for an
// exec that waits for that same reactor, and every other exec on the machine would queue
// behind it. Here the agent's own descendants are answered, and every deadline kept, whatever
// the agent's reactor is doing.
class FanotifyProcessWatch final : public ProcessWatch {
public:
    FanotifyProcessWatch(asio::any_io_executor reactor, StartThread start_reader)
        : reactor_(std::move(reactor)), start_reader_(std::move(start_reader)), timer_(io_), self_(static_cast<uint32_t>(getpid())),
          session_leader_(getsid(0) == getpid()), alive_(std::make_shared<bool>(true)) {}

    ~FanotifyProcessWatch() override { stop(); }

    std::vector<std::string> start(const Options& options, ExecHandler on_exec, ExecHandler on_deadline) override {
        if (!stream_) open();
        const uint64_t mask = options.hold ? FAN_OPEN_EXEC_PERM : FAN_OPEN_EXEC;
        {
            std::lock_guard lock(mu_);
            options_ = options;
            handlers_ = std::make_shared<const Handlers>(Handlers{std::move(on_exec), std::move(on_deadline)});
        }
        auto problems = marks_->watch(options.mounts, mask);
        if (!notices_) {
            try {
                notices_ = std::make_unique<ExecNotices>(reactor_, [this](uint32_t pid) { noticed(pid); });
            } catch (const std::exception& e) {
                Log::warn(std::string("programs started from a memfd or another mount namespace are not seen: ") + e.what());
            }
        }
        return problems;
    }

    void stop() override {
        if (!stream_) return;
        notices_.reset();
        started_.clear();
        marks_->clear();
        marks_.reset();
        {
            std::lock_guard lock(mu_);
            for (auto& [id, p] : pending_) respond(*p.file, FAN_ALLOW);
            pending_.clear();
            queue_.clear();
            handlers_.reset();
        }
        // The kernel drops any mark left and allows anything still queued once the descriptor closes.
        asio::post(io_, [this] {
            timer_.cancel();
            stream_->close();
        });
        thread_.join();
        fan_fd_ = -1;
        stream_.reset();
        io_.restart();
    }

    bool answer(uint64_t id, ExecVerdict verdict) override {
        if (auto s = started_.extract(id); !s.empty()) return verdict == ExecVerdict::Allow || s.mapped()->stop();
        std::lock_guard lock(mu_);
        auto it = pending_.find(id);
        if (it == pending_.end()) return false;
        respond(*it->second.file, verdict == ExecVerdict::Allow ? FAN_ALLOW : FAN_DENY);
        pending_.erase(it);
        return true;
    }

    void trust(const FileIdentity& file) override {
        std::lock_guard lock(mu_);
        // Bounded: a machine that runs ever new programs starts judging them again.
        if (trusted_.size() >= kTrustedFiles) forgetTrustedLocked();
        trusted_.insert(file);
    }

    void forgetTrusted() override {
        std::lock_guard lock(mu_);
        forgetTrustedLocked();
    }

    std::string describeProcess(uint32_t pid) const override {
        std::string exe = procLink("/proc/" + std::to_string(pid) + "/exe");
        if (!exe.empty()) return exe;
        int fd = ::open(("/proc/" + std::to_string(pid) + "/comm").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return {};
        char buf[64];
        ssize_t n = ::read(fd, buf, sizeof buf);
        ::close(fd);
        if (n <= 0) return {};
        std::string comm(buf, static_cast<size_t>(n));
        while (!comm.empty() && comm.back() == '\n') comm.pop_back();
        return comm;
    }

private:
    struct Pending {
        ExecEvent event;
        // The descriptor fanotify opened for the exec. It stays open until the exec is answered:
        // the kernel matches the answer by its number, and a number closed early can be handed
        // to the next event.
        std::shared_ptr<const OpenExecutable> file;
    };
    struct Handlers {
        ExecHandler on_exec, on_deadline;
    };

    void open() {
        int fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
                               O_RDONLY | O_LARGEFILE | O_CLOEXEC);
        if (fd < 0) {
            throw std::runtime_error(std::string("fanotify is not available (") + strerror(errno) +
                                     "); execution control needs root and a kernel with "
                                     "CONFIG_FANOTIFY_ACCESS_PERMISSIONS");
        }
        try {
            marks_ = std::make_unique<FilesystemMarks>(reactor_, fd);
        } catch (...) {
            ::close(fd);
            throw;
        }
        // Every event carries an open descriptor; running out of them makes the kernel refuse
        // the exec it could not report. Take the hard limit.
        rlimit rl{};
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        stream_.emplace(io_, fd);
        fan_fd_ = fd;
        arm();
        auto body = [this] { io_.run(); };
        thread_ = start_reader_ ? start_reader_(body) : std::thread(body);
    }

    // --- on the agent's reactor -------------------------------------------------------------

    // An exec the kernel tells of after the fact. Nearly all came from a filesystem in the
    // agent's table and were fanotify's to judge (or left out by choice): one system call tells
    // so. The rest never reached fanotify.
    void noticed(uint32_t pid) {
        if (pid == self_ || !marks_) return;
        auto program = StartedProgram::outsideWatch(pid, [this](uint64_t device, uint32_t mount) { return marks_->inTable(device, mount); });
        if (!program) return;
        const ProcStat ps = procStat(pid);
        if (ps.ppid == self_ || (session_leader_ && ps.sid == self_)) return;
        std::shared_ptr<const Handlers> handlers;
        ExecEvent ev{0, false, pid, ps.ppid, ps.uid, program->file()};
        ev.outside_watch = true;
        {
            std::lock_guard lock(mu_);
            handlers = handlers_;
            ev.id = next_id_++;
        }
        if (!handlers || !handlers->on_exec) return;
        // Bounded: each holds a pidfd and a descriptor until its verdict. The oldest goes first.
        if (started_.size() >= kStartedAwaitingVerdict) started_.erase(started_.begin());
        started_.emplace(ev.id, std::move(program));
        handlers->on_exec(ev);
    }

    // --- on the watch's own thread ---------------------------------------------------------

    void arm() {
        stream_->async_wait(asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
            if (!ec) drain();
        });
    }

    // Descriptor readiness is edge-triggered: read until the queue is empty before waiting
    // again, or an exec left in the queue waits for the next one.
    void drain() {
        alignas(fanotify_event_metadata) char buf[16 * 1024];
        for (;;) {
            ssize_t n = ::read(stream_->native_handle(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                if (errno != EAGAIN) Log::error(std::string("reading exec events: ") + strerror(errno));
                break;
            }
            auto* m = reinterpret_cast<fanotify_event_metadata*>(buf);
            ssize_t len = n;
            for (; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) handle(*m);
        }
        arm();
    }

    void handle(const fanotify_event_metadata& m) {
        if (m.vers != FANOTIFY_METADATA_VERSION) {
            Log::error("fanotify metadata version " + std::to_string(m.vers) + " is not supported");
            if (m.fd >= 0) ::close(m.fd);
            return;
        }
        if (m.mask & FAN_Q_OVERFLOW) {
            Log::warn("exec events were lost: the kernel queue overflowed");
            return;
        }
        if (m.fd < 0) return;
        const bool held = m.mask & FAN_OPEN_EXEC_PERM;
        const auto pid = static_cast<uint32_t>(m.pid);
        struct stat st{};
        FileIdentity identity;
        if (::fstat(m.fd, &st) == 0) {
            identity = FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                                    static_cast<uint64_t>(st.st_size),
                                    int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                                    int64_t(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec};
            bool trusted;
            {
                std::lock_guard lock(mu_);
                trusted = trusted_.count(identity) > 0;
            }
            if (trusted) {  // the common case, answered here without a trip to the reactor
                // A file only root can change is also left to the kernel: its execs stop raising
                // events at all until it is written to (a write clears the ignore mark). Whoever
                // can change it can stop the agent too; everyone else's files stay checked here.
                if (st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH))) ignoreInKernel(m.fd);
                if (held) respondFd(m.fd, FAN_ALLOW);
                ::close(m.fd);
                return;
            }
        }
        // Our own execs and our descendants' are never held.
        const ProcStat ps = procStat(pid);
        if (pid == self_ || ps.ppid == self_ || (session_leader_ && ps.sid == self_)) {
            if (held) respondFd(m.fd, FAN_ALLOW);
            ::close(m.fd);
            return;
        }
        auto file = std::make_shared<const OpenExecutable>(m.fd, procLink("/proc/self/fd/" + std::to_string(m.fd)), identity);
        std::shared_ptr<const Handlers> handlers;
        ExecEvent ev{0, held, pid, ps.ppid, ps.uid, file};
        {
            std::lock_guard lock(mu_);
            handlers = handlers_;
            ev.id = next_id_++;
            if (held) {
                if (!handlers) {  // stopping: nobody will judge it
                    respond(*file, FAN_ALLOW);
                    return;
                }
                const auto due = Clock::now() + options_.deadline;
                pending_.emplace(ev.id, Pending{ev, file});
                queue_.emplace_back(due, ev.id);
                // A policy may shorten the deadline while longer ones are queued: never wait past this one.
                if (!armed_ || due < armed_at_) armDeadline(due);
            }
        }
        if (handlers && handlers->on_exec) {
            asio::post(reactor_, [handlers, ev = std::move(ev), alive = std::weak_ptr<bool>(alive_)] {
                if (!alive.expired()) handlers->on_exec(ev);
            });
        }
    }

    // Called with mu_ held.
    void armDeadline(Clock::time_point at) {
        armed_ = true;
        armed_at_ = at;
        timer_.expires_at(at);
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) expire();
        });
    }

    // Answers every held exec whose deadline has passed with the policy's verdict for late
    // decisions.
    void expire() {
        std::vector<ExecEvent> late;
        std::shared_ptr<const Handlers> handlers;
        {
            std::lock_guard lock(mu_);
            armed_ = false;
            handlers = handlers_;
            const auto now = Clock::now();
            const unsigned verdict = options_.on_deadline == ExecVerdict::Allow ? FAN_ALLOW : FAN_DENY;
            for (auto q = queue_.begin(); q != queue_.end();) {
                auto it = pending_.find(q->second);
                if (it == pending_.end()) {
                    q = queue_.erase(q);
                    continue;
                }
                if (q->first > now) {
                    ++q;
                    continue;
                }
                respond(*it->second.file, verdict);
                late.push_back(std::move(it->second.event));
                pending_.erase(it);
                q = queue_.erase(q);
            }
            if (!queue_.empty()) armDeadline(std::min_element(queue_.begin(), queue_.end())->first);
        }
        if (!handlers || !handlers->on_deadline) return;
        for (auto& ev : late) {
            asio::post(reactor_, [handlers, ev = std::move(ev), alive = std::weak_ptr<bool>(alive_)] {
                if (!alive.expired()) handlers->on_deadline(ev);
            });
        }
    }

    // --- either thread ---------------------------------------------------------------------

    void forgetTrustedLocked() {
        trusted_.clear();
        // Every ignore mark is an inode mark, and the watch's own marks are not: flushing the
        // inode marks gives every file back to the handlers.
        const int fan = fan_fd_.load();
        if (fan >= 0 && fanotify_mark(fan, FAN_MARK_FLUSH, 0, AT_FDCWD, nullptr) != 0)
            Log::warn(std::string("cannot clear the kernel's ignore marks: ") + strerror(errno));
    }

    void ignoreInKernel(int file_fd) {
        const int fan = fan_fd_.load();
        if (fan < 0) return;
        if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_EXEC_PERM | FAN_OPEN_EXEC, file_fd,
                          nullptr) != 0 &&
            !ignore_warned_.exchange(true))
            Log::warn(std::string("the kernel takes no ignore marks (") + strerror(errno) +
                      "); every exec of an approved program is answered by the agent");
    }

    void respond(const OpenExecutable& file, unsigned verdict) { respondFd(file.fd(), verdict); }

    // One write(2) per answer; the kernel takes answers from any thread.
    void respondFd(int fd, unsigned verdict) {
        const int fan = fan_fd_.load();
        if (fan < 0) return;
        fanotify_response r{fd, verdict};
        if (::write(fan, &r, sizeof r) != sizeof r) {
            Log::warn(std::string("answering an exec: ") + strerror(errno));
        }
    }

    asio::any_io_executor reactor_;  // where the handlers run
    StartThread start_reader_;
    asio::io_context io_;            // the watch's own: the fanotify descriptor and the deadlines
    std::optional<asio::posix::stream_descriptor> stream_;
    asio::steady_timer timer_;
    std::thread thread_;
    std::atomic<int> fan_fd_{-1};
    std::atomic<bool> ignore_warned_{false};
    const uint32_t self_;
    const bool session_leader_;
    std::shared_ptr<bool> alive_;
    std::unique_ptr<FilesystemMarks> marks_;  // the agent's reactor only
    std::unique_ptr<ExecNotices> notices_;    // the agent's reactor only
    std::map<uint64_t, std::unique_ptr<StartedProgram>> started_;  // by event id; the agent's reactor only

    std::mutex mu_;  // what both threads touch
    Options options_;
    std::shared_ptr<const Handlers> handlers_;
    std::unordered_map<uint64_t, Pending> pending_;
    std::unordered_set<FileIdentity, FileIdentityHash> trusted_;
    std::deque<std::pair<Clock::time_point, uint64_t>> queue_;
    uint64_t next_id_ = 1;
    bool armed_ = false;
    Clock::time_point armed_at_{};
};

}  // namespace

std::unique_ptr<ProcessWatch> fanotifyProcessWatch(asio::any_io_executor reactor, StartThread start_reader) {
    return std::make_unique<FanotifyProcessWatch>(std::move(reactor), std::move(start_reader));
}

}  // namespace mamori::platform
