#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
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
};

}  // namespace mamori::collector
