#pragma once
// A real X server (Xvfb) on its own display number, for tests that need idle time, input and a
// screen saver. Each test process takes the first free number from :90 on, so tests running in
// parallel never share a display.
#include <fcntl.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mamori::test {

class XvfbServer {
public:
    explicit XvfbServer(int first = 90) {
        for (int n = first; n < first + 100; ++n) {
            if (std::filesystem::exists("/tmp/.X11-unix/X" + std::to_string(n)) ||
                std::filesystem::exists("/tmp/.X" + std::to_string(n) + "-lock"))
                continue;
            if (start(n)) return;
        }
        throw std::runtime_error("no free X display number for Xvfb");
    }
    ~XvfbServer() { stop(); }
    XvfbServer(const XvfbServer&) = delete;
    XvfbServer& operator=(const XvfbServer&) = delete;

    const std::string& display() const { return display_; }

    // Runs an X client (xset, xdotool) against this display; returns its exit status.
    int client(const std::vector<std::string>& argv, std::string* output = nullptr) const {
        std::string cmd = "DISPLAY=" + display_;
        for (const auto& a : argv) cmd += " '" + a + "'";
        cmd += " 2>&1";
        FILE* p = popen(cmd.c_str(), "r");
        std::string out;
        char buf[1024];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        int status = pclose(p);
        if (output) *output = out;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    // Keyboard/pointer input, as a user moving the mouse.
    void input() const {
        std::string out;
        if (client({"xdotool", "key", "shift"}, &out) != 0)
            throw std::runtime_error("xdotool failed on " + display_ + ": " + out);
    }

    // A server that hangs (SIGSTOP) and recovers (SIGCONT): it keeps its connections, silent.
    void pause() const {
        if (pid_ > 0) ::kill(pid_, SIGSTOP);
    }
    void resume() const {
        if (pid_ > 0) ::kill(pid_, SIGCONT);
    }

    void stop() {
        if (pid_ <= 0) return;
        resume();  // a stopped server would not act on SIGTERM
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    // -displayfd: the server writes its display number there once it accepts connections, or
    // exits (display in use by another test) and the pipe reads EOF.
    bool start(int n) {
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) != 0) return false;
        pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);  // a test killed by its timeout leaves no server behind
            // dup2 onto itself keeps close-on-exec, so clear it explicitly: fd 3 must reach Xvfb.
            if (ready[1] != 3) dup2(ready[1], 3);
            fcntl(3, F_SETFD, 0);
            int devnull = ::open("/dev/null", O_RDWR);
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            std::string d = ":" + std::to_string(n);
            // -noreset: otherwise the server resets when its last client leaves, and settings
            // made with xset before the agent connects would be lost.
            execlp("Xvfb", "Xvfb", d.c_str(), "-displayfd", "3", "-noreset", "-nolisten", "tcp", "-screen", "0",
                   "320x240x24", static_cast<char*>(nullptr));
            _exit(127);
        }
        ::close(ready[1]);
        // The number and its newline come in two writes; the server dies if the pipe is
        // closed between them, so read up to the newline.
        std::string number;
        char c = 0;
        while (::read(ready[0], &c, 1) == 1 && c != '\n') number.push_back(c);
        ::close(ready[0]);
        if (c != '\n') {
            int status = 0;
            ::waitpid(pid, &status, 0);
            return false;
        }
        pid_ = pid;
        display_ = ":" + std::to_string(n);
        return true;
    }

    pid_t pid_ = -1;
    std::string display_;
};

}  // namespace mamori::test
