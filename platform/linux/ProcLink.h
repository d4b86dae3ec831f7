#pragma once
#include <unistd.h>

#include <string>

namespace mamori::platform {

// Where a /proc link points (/proc/PID/exe, /proc/self/fd/N): the name a program or an open file
// goes by. Empty when it cannot be read, or is longer than a path can be.
inline std::string procLink(const std::string& link) {
    char buf[4096];
    const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return {};
    return std::string(buf, static_cast<size_t>(n));
}

}  // namespace mamori::platform
