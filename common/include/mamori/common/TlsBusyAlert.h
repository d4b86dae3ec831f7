#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace mamori::common {

// How a collector past capacity turns a connection away before spending anything on it, and how
// a client knows: a TLS alert (fatal, internal_error: "an error unrelated to the peer makes it
// impossible to continue") written in place of the ServerHello. A 503 says the same after a whole
// handshake, which costs the collector most of what serving the sync would; closing without a
// word costs nothing, but the client takes it for a broken network and tries again within the
// second. A client reads the alert as a 503 with Retry-After: kRetryAfterSeconds.
class TlsBusyAlert {
public:
    static constexpr unsigned kRetryAfterSeconds = 30;

    // The server: reads and drops what the client has sent (closing a socket with unread bytes
    // resets the connection, and the alert can be lost with it), writes the alert and ends its
    // side, never waiting. The caller then closes the socket.
    static void send(boost::asio::ip::tcp::socket& socket);
    // The client: whether a failed handshake ended with that alert.
    static bool received(const boost::system::error_code& handshake_error);
};

}  // namespace mamori::common
