#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>

#include "mamori/platform/CommandRunner.h"

extern char** environ;

namespace mamori::platform {

namespace {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;

#ifndef P_PIDFD
constexpr idtype_t P_PIDFD = static_cast<idtype_t>(3);
#endif

std::vector<std::string> mergedEnvironment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    auto nameOf = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
    for (char** e = environ; e && *e; ++e) {
        std::string kv = *e;
        bool replaced = false;
        for (const auto& x : extra) replaced = replaced || nameOf(x) == nameOf(kv);
        if (!replaced) env.push_back(std::move(kv));
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& v) {
    std::vector<char*> p;
    for (auto& s : v) p.push_back(s.data());
    p.push_back(nullptr);
    return p;
}

// One running program. Its exit comes from a pidfd on the reactor, which also reaps it, so the
// agent needs no SIGCHLD handler. Output is collected as it arrives; at exit whatever is still
// buffered is taken and the pipe is dropped, since a program that daemonizes (a screen locker)
// may leave a child holding it open for hours.
struct Job : std::enable_shared_from_this<Job> {
    Job(asio::any_io_executor ex, int out, int pidfd) : out(ex, out), pidfd(ex, pidfd), retry(ex) {}

    void start() {
        read();
        pidfd.async_wait(Descriptor::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
            if (!ec) self->exited();
        });
    }

    void read() {
        out.async_read_some(asio::buffer(buf), [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
            self->keep(n);
            if (!ec) self->read();
        });
    }

    void keep(size_t n) {
        size_t room = CommandRunner::kMaxOutput - std::min(result.output.size(), CommandRunner::kMaxOutput);
        result.output.append(buf.data(), std::min(n, room));
    }

    void exited() {
        siginfo_t info{};
        int rc;
        do rc = waitid(P_PIDFD, static_cast<id_t>(pidfd.native_handle()), &info, WEXITED);
        while (rc != 0 && errno == EINTR);
        // The reactor made the pidfd non-blocking, and it reads ready once the whole thread group
        // has exited, which can be a moment before the kernel lets its leader be reaped (seen with
        // gsettings, whose threads outlive its main one). Look again shortly rather than report
        // the program as failed; the pause grows, so a readiness that was no exit costs little.
        if (rc != 0 && errno == EAGAIN) {
            retry.expires_after(retry_after);
            retry_after = std::min(retry_after * 2, std::chrono::milliseconds(1000));
            retry.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
                if (!ec) self->exited();
            });
            return;
        }
        if (rc == 0) result.exit_code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
        // Non-blocking drain of what the program wrote before it exited.
        for (;;) {
            ssize_t n = ::read(out.native_handle(), buf.data(), buf.size());
            if (n <= 0) break;
            keep(static_cast<size_t>(n));
        }
        out.close();
        if (auto keep_alive = runner_alive.lock(); keep_alive && done) done(result);
    }

    Descriptor out, pidfd;
    asio::steady_timer retry;
    std::chrono::milliseconds retry_after{1};
    std::array<char, 4096> buf{};
    CommandRunner::Result result;
    CommandRunner::Done done;
    std::weak_ptr<int> runner_alive;
};

class LinuxCommandRunner final : public CommandRunner {
public:
    explicit LinuxCommandRunner(asio::any_io_executor executor) : executor_(executor) {}

    void run(std::vector<std::string> argv, std::vector<std::string> env, Done done) override {
        auto fail = [&](const std::string& why) {
            asio::post(executor_, [done, why, alive = std::weak_ptr<int>(alive_)] {
                if (alive.lock()) done(Result{-1, why});
            });
        };
        if (argv.empty()) return fail("no program given");
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) != 0) return fail(std::strerror(errno));

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
        // Nothing else of the agent's: a screen locker runs for hours as the user, who must not
        // find the agent's fanotify descriptor or collector connection in it, whichever library
        // opened one without close-on-exec.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        // The helper starts clean: its own process group (a terminal's ^C to the agent is not
        // its business), no blocked signals, and none of the agent's ignored signals ignored.
        sigset_t none, defaults;
        sigemptyset(&none);
        sigemptyset(&defaults);
        for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD}) sigaddset(&defaults, sig);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

        auto envv = mergedEnvironment(env);
        auto envp = pointers(envv);
        auto args = pointers(argv);
        pid_t pid = -1;
        int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        ::close(pipefd[1]);
        if (rc != 0) {
            ::close(pipefd[0]);
            return fail(argv[0] + ": " + std::strerror(rc));
        }
        int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (pidfd < 0) {  // cannot happen for our own unreaped child; reap it rather than leak it
            ::close(pipefd[0]);
            int status = 0;
            ::waitpid(pid, &status, 0);
            return fail("pidfd_open: " + std::string(std::strerror(errno)));
        }
        ::fcntl(pipefd[0], F_SETFL, ::fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
        auto job = std::make_shared<Job>(executor_, pipefd[0], pidfd);
        job->done = std::move(done);
        job->runner_alive = alive_;
        job->start();
    }

private:
    asio::any_io_executor executor_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace

std::unique_ptr<CommandRunner> commandRunner(asio::any_io_executor executor) {
    return std::make_unique<LinuxCommandRunner>(executor);
}

}  // namespace mamori::platform
