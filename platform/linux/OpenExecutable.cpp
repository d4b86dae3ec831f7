#include "OpenExecutable.h"

#include <unistd.h>

#include <cerrno>

namespace mamori::platform {

OpenExecutable::~OpenExecutable() {
    if (fd_ >= 0) ::close(fd_);
}

bool OpenExecutable::read(const std::function<void(std::string_view)>& chunk) const {
    if (fd_ < 0) return false;
    std::string buf(kChunkBytes, '\0');
    off_t at = 0;
    for (;;) {
        const ssize_t n = ::pread(fd_, buf.data(), buf.size(), at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) return true;
        chunk(std::string_view(buf.data(), static_cast<size_t>(n)));
        at += n;
    }
}

}  // namespace mamori::platform
