#pragma once
// Runs the real binaries the way an administrator would, and stops them the hard or soft way.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace mamori::test {

class Subprocess {
public:
    Subprocess() = default;
    // argv[0] is the program path; output goes to log (appended).
    Subprocess(std::vector<std::string> argv, const std::filesystem::path& log) { start(std::move(argv), log); }
    ~Subprocess() { kill(SIGKILL); }
    Subprocess(Subprocess&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
    Subprocess& operator=(Subprocess&& o) noexcept {
        kill(SIGKILL);
        pid_ = std::exchange(o.pid_, -1);
        return *this;
    }

    void start(std::vector<std::string> argv, const std::filesystem::path& log) {
        pid_ = fork();
        if (pid_ == 0) {
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            dup2(fd, 1);
            dup2(fd, 2);
            // Not the test's sockets: an agent started while a test holds connections open would
            // keep them open after the test closed its own copies.
            close_range(3, ~0u, 0);
            std::vector<char*> args;
            for (auto& a : argv) args.push_back(a.data());
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
    }

    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }

    // Returns the exit status (or 128+signal), -1 if it was not running.
    int kill(int sig, std::chrono::milliseconds wait = std::chrono::seconds(10)) {
        if (pid_ <= 0) return -1;
        ::kill(pid_, sig);
        return this->wait(wait);
    }

    int wait(std::chrono::milliseconds limit) {
        if (pid_ <= 0) return -1;
        auto until = std::chrono::steady_clock::now() + limit;
        int status = 0;
        while (waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) {
                ::kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    // Runs to completion; returns exit code, fills output.
    static int run(const std::vector<std::string>& argv, std::string* output = nullptr) {
        std::string cmd;
        for (const auto& a : argv) {  // each argument single-quoted, its own quotes kept
            cmd += "'";
            for (char c : a) cmd += c == '\'' ? std::string("'\\''") : std::string(1, c);
            cmd += "' ";
        }
        cmd += "2>&1";
        FILE* p = popen(cmd.c_str(), "r");
        std::string out;
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        int status = pclose(p);
        if (output) *output = out;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
};

}  // namespace mamori::test
