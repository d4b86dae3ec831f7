#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace mamori::collector {

// Where an endpoint listens (agent_listen, admin_listen): HOST:PORT with an IP address, [::1]
// for IPv6, and a port from 1 to 65535. Checked at `init` and again at `run`, so a port the
// system would read as another one (99999) or pick at random (0) never reaches the socket.
class ListenAddress {
public:
    // Throws common::UserError (invalid) naming `what` (the option or the collector.conf key).
    static boost::asio::ip::tcp::endpoint parse(const std::string& text, const std::string& what);
};

}  // namespace mamori::collector
