#include "mamori/common/HiddenInput.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace mamori::common {

bool standardInputIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }

bool askHidden(const std::string& prompt, std::string& answer) {
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return false;
    termios before{};
    const bool quiet = tcgetattr(fd, &before) == 0;
    if (quiet) {
        termios silent = before;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(fd, TCSAFLUSH, &silent);
    }
    (void)!::write(fd, prompt.data(), prompt.size());
    answer.clear();
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n') answer += c;
    if (quiet) tcsetattr(fd, TCSAFLUSH, &before);
    (void)!::write(fd, "\n", 1);
    ::close(fd);
    return true;
}

}  // namespace mamori::common
