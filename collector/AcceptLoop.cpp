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
    boost::system::error_code ec;
    // For the draining below, whose accept must never wait; the asynchronous accept works either
    // way. Without it a listener takes one connection per turn, as before.
    acceptor.non_blocking(true, ec);
    const bool drain = !ec;
    while (acceptor.is_open()) {
        tcp::socket socket(asio::make_strand(acceptor.get_executor()));
        co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
            take(std::move(socket));
            // Then what else the kernel holds: an asynchronous accept completes one connection per
            // turn of the workers' queue, which under load is tens of milliseconds, so a busy
            // collector took a few dozen connections a second and the rest waited in the listen
            // backlog for seconds, or were reset when it overflowed. Bounded, so that the work
            // already queued goes on meanwhile.
            for (int more = 0; drain && more < 64 && acceptor.is_open(); ++more) {
                tcp::socket next(asio::make_strand(acceptor.get_executor()));
                acceptor.accept(next, ec);
                if (ec) break;  // would block: the backlog is empty (a real failure shows again below)
                take(std::move(next));
            }
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
