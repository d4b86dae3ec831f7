#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <string>

namespace mamori::collector {

// The accept loop every listener runs: each connection, on a strand of its own, handed to
// `take`, until the acceptor is closed; each turn takes all the kernel holds, up to 65. A failed
// accept (out of file descriptors, say) is logged and tried again a little later, never in a
// tight loop.
class AcceptLoop {
public:
    using Take = std::function<void(boost::asio::ip::tcp::socket)>;
    // The acceptor outlives the loop (its owner keeps itself alive while the loop runs).
    static boost::asio::awaitable<void> run(boost::asio::ip::tcp::acceptor& acceptor, std::string name, Take take);
    // How long a connection just accepted waited for it in the kernel: since its client's first
    // bytes (a TLS ClientHello) arrived, or since its handshake completed when it has sent none.
    // The kernel counts in its ticks (4 ms at most); zero when it cannot say.
    static std::chrono::milliseconds waited(boost::asio::ip::tcp::socket& socket);
};

}  // namespace mamori::collector
