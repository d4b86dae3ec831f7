#include "collector/AcceptLoop.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "mamori/common/Log.h"

namespace mamori::collector {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

asio::awaitable<void> AcceptLoop::run(tcp::acceptor& acceptor, std::string name, Take take) {
    while (acceptor.is_open()) {
        tcp::socket socket(asio::make_strand(acceptor.get_executor()));
        boost::system::error_code ec;
        co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
            take(std::move(socket));
            continue;
        }
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        // EMFILE and its kind last until connections close: retrying at once would spin.
        Log::warn(name + ": accept failed: " + ec.message());
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

}  // namespace mamori::collector
