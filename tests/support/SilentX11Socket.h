#pragma once
// A listener on a display's socket in /tmp/.X11-unix that takes connections and never answers
// them: what any local user can plant there (a folder everyone may write to), run by "nobody"
// by default, or by root, as a hung X server would be. The first free display number from :150 on.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mamori::test {

class SilentX11Socket {
public:
    explicit SilentX11Socket(uid_t uid = 65534) {
        for (int n = 150; n < 250; ++n) {
            path_ = "/tmp/.X11-unix/X" + std::to_string(n);
            int ready[2];
            if (pipe(ready) != 0) break;
            pid_t pid = fork();
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                ::close(ready[0]);
                if (uid != 0 && (setgid(uid) != 0 || setuid(uid) != 0)) _exit(2);
                int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
                sockaddr_un addr{};
                addr.sun_family = AF_UNIX;
                std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
                if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(s, 16) != 0) _exit(1);
                char ok = 1;
                (void)!::write(ready[1], &ok, 1);
                for (;;) ::pause();  // connections wait in the queue, unanswered
            }
            ::close(ready[1]);
            char ok = 0;
            const bool bound = ::read(ready[0], &ok, 1) == 1;
            ::close(ready[0]);
            if (bound) {
                pid_ = pid;
                display_ = ":" + std::to_string(n);
                return;
            }
            int status = 0;
            ::waitpid(pid, &status, 0);
        }
        throw std::runtime_error("no free display number for a silent X11 socket");
    }
    ~SilentX11Socket() {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    SilentX11Socket(const SilentX11Socket&) = delete;
    SilentX11Socket& operator=(const SilentX11Socket&) = delete;

    const std::string& display() const { return display_; }

private:
    pid_t pid_ = -1;
    std::string path_;
    std::string display_;
};

}  // namespace mamori::test
