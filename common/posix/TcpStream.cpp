#include "mamori/common/TcpStream.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace mamori::common {

TcpStream::~TcpStream() { close(); }

void TcpStream::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool TcpStream::connect(const std::string& host, const std::string& port, std::chrono::seconds timeout) {
    close();
    addrinfo hints{}, *found = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
    for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
        fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd_ < 0) continue;
        // Linux bounds connect() by the send timeout too: an unreachable host costs `timeout` a try.
        timeval t{static_cast<time_t>(timeout.count()), 0};
        setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
        if (::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) close();
    }
    freeaddrinfo(found);
    return fd_ >= 0;
}

bool TcpStream::write(std::string_view data) {
    for (size_t sent = 0; sent < data.size();) {
        const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            close();
            return false;
        }
        sent += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace mamori::common
