#pragma once
#include <chrono>

namespace mamori::common {

// What the kernel knows of a connection a server has just accepted.
class AcceptedConnection {
public:
    // How long it waited in the listen backlog to be accepted: since its client's first bytes (a
    // TLS ClientHello) arrived, or since its TCP handshake completed when it has sent none. The
    // kernel counts in its ticks (4 ms at most); zero when it cannot say.
    static std::chrono::milliseconds waited(int socket);
};

}  // namespace mamori::common
