#include "collector/MetricsServer.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <atomic>
#include <chrono>

#include "collector/AcceptLoop.h"
#include "mamori/common/Log.h"

namespace mamori::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct MetricsServer::Impl : std::enable_shared_from_this<Impl> {
    tcp::acceptor acceptor;
    CollectorMetrics& metrics;
    std::atomic<bool> stopped{false};
    std::atomic<std::size_t> open{0};

    Impl(asio::io_context& i, const tcp::endpoint& at, CollectorMetrics& m) : acceptor(i), metrics(m) {
        acceptor.open(at.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen();
    }

    asio::awaitable<void> accept() {
        auto self = shared_from_this();
        co_await AcceptLoop::run(acceptor, "metrics endpoint", [this](tcp::socket socket) {
            // Over the cap the socket closes here: a monitoring system asks once in a while.
            if (open.load() >= kMaxConnections) return;
            auto ex = socket.get_executor();
            asio::co_spawn(ex, session(beast::tcp_stream(std::move(socket))), asio::detached);
        });
    }

    HttpResponse answer(const http::request_header<>& head) {
        auto reply = [&](http::status status, std::string body, const char* type = "text/plain; charset=utf-8") {
            auto res = HttpsServer::reply(head, status, std::move(body), type);
            res.set(http::field::cache_control, "no-store");
            return res;
        };
        if (head.method() != http::verb::get) {
            auto res = reply(http::status::method_not_allowed, "use GET\n");
            res.set(http::field::allow, "GET");
            return res;
        }
        const std::string_view target = head.target();
        const std::string_view path = target.substr(0, target.find('?'));
        if (path == "/healthz")
            return metrics.healthy() ? reply(http::status::ok, "ok\n")
                                     : reply(http::status::service_unavailable, "unavailable\n");
        if (path == "/metrics") {
            const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
            return reply(http::status::ok, metrics.render(now), "text/plain; version=0.0.4; charset=utf-8");
        }
        return reply(http::status::not_found, "/metrics and /healthz only\n");
    }

    asio::awaitable<void> session(beast::tcp_stream stream) {
        auto self = shared_from_this();
        ++open;
        struct Done {
            std::atomic<std::size_t>& n;
            ~Done() { --n; }
        } done{open};
        beast::flat_buffer buffer(kMaxHeaderBytes);
        boost::system::error_code ec;
        for (;;) {
            http::request_parser<http::empty_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
            stream.expires_after(kRequestTimeout);
            co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;  // closed, too slow, too large or not HTTP: nothing worth an answer
            HttpResponse res;
            if (!parser.is_done()) {
                // A body is never read: refused, and the connection closed.
                res = HttpResponse{http::status::payload_too_large, parser.get().version()};
                res.body() = "no request body is taken here\n";
                res.keep_alive(false);
                res.prepare_payload();
            } else {
                try {
                    res = answer(parser.get().base());
                } catch (const std::exception& e) {
                    Log::error(std::string("metrics endpoint: ") + e.what());
                    res = HttpResponse{http::status::internal_server_error, parser.get().version()};
                    res.body() = "internal error\n";
                    res.keep_alive(false);
                    res.prepare_payload();
                }
            }
            co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
            if (ec || !res.keep_alive()) break;
        }
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    }
};

MetricsServer::MetricsServer(asio::io_context& io, const tcp::endpoint& at, CollectorMetrics& metrics)
    : impl_(std::make_shared<Impl>(io, at, metrics)) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() { asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept(), asio::detached); }

void MetricsServer::stop() {
    if (impl_->stopped.exchange(true)) return;
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
}

unsigned short MetricsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace mamori::collector
