#include "mamori/platform/SessionTerminal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>

namespace mamori::platform {

namespace {

// Only what utmp's lines for real terminals look like: a crafted utmp entry must not make the
// agent write into any other file under /dev.
bool terminalLine(const std::string& line) {
    std::string digits;
    if (line.rfind("pts/", 0) == 0) digits = line.substr(4);
    else if (line.rfind("tty", 0) == 0) digits = line.substr(3);
    else return false;
    if (digits.empty() || digits.size() > 4) return false;
    for (unsigned char c : digits)
        if (!std::isdigit(c)) return false;
    return true;
}

}  // namespace

bool writeToSessionTerminal(const std::string& line, const std::string& text) {
    if (!terminalLine(line)) return false;
    // O_NOCTTY: a daemon without a controlling terminal would otherwise take this one.
    // O_NONBLOCK: a terminal stopped with ^S must not stop the agent.
    const int fd = ::open(("/dev/" + line).c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    struct stat st{};
    bool ok = ::fstat(fd, &st) == 0 && S_ISCHR(st.st_mode);
    std::string framed = "\r\n";
    for (char c : text) framed += c == '\n' ? std::string("\r\n") : std::string(1, c);
    framed += "\r\n";
    if (ok) ok = ::write(fd, framed.data(), framed.size()) == static_cast<ssize_t>(framed.size());
    ::close(fd);
    return ok;
}

}  // namespace mamori::platform
