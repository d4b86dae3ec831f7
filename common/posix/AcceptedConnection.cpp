#include "mamori/common/AcceptedConnection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace mamori::common {

std::chrono::milliseconds AcceptedConnection::waited(int socket) {
    // The time since the connection last received data, which for one not yet read is its first:
    // the kernel stamps a new connection when its handshake completes, and again at each segment.
    tcp_info info{};
    socklen_t size = sizeof info;
    if (getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return {};
    return std::chrono::milliseconds(info.tcpi_last_data_recv);
}

}  // namespace mamori::common
