#include "collector/HttpsServer.h"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <array>
#include <boost/beast/ssl.hpp>

#include "mamori/common/Log.h"

namespace mamori::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

struct HttpsServer::Impl : std::enable_shared_from_this<Impl> {
    asio::io_context& io;
    asio::ssl::context& tls;
    tcp::acceptor acceptor;
    Handler handler;
    Limits limits;
    std::string name;
    bool stopped = false;

    Impl(asio::io_context& i, asio::ssl::context& t, const tcp::endpoint& at, Handler h, Limits l, std::string n)
        : io(i), tls(t), acceptor(i), handler(std::move(h)), limits(l), name(std::move(n)) {
        acceptor.open(at.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen(asio::socket_base::max_listen_connections);
    }

    asio::awaitable<void> accept() {
        auto self = shared_from_this();
        while (!stopped) {
            tcp::socket socket(asio::make_strand(io));
            boost::system::error_code ec;
            co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                if (stopped || ec == asio::error::operation_aborted) break;
                Log::warn(name + ": accept failed: " + ec.message());
                continue;
            }
            // A response leaves as several TLS records; with Nagle's algorithm the last one waits
            // for the client's delayed ACK (40 ms on Linux) on a kept-alive connection.
            socket.set_option(tcp::no_delay(true), ec);
            auto ex = socket.get_executor();
            asio::co_spawn(ex, session(Stream(beast::tcp_stream(std::move(socket)), tls)), asio::detached);
        }
    }

    asio::awaitable<void> session(Stream stream) {
        auto self = shared_from_this();
        Caller caller;
        boost::system::error_code ec;
        auto& lowest = beast::get_lowest_layer(stream);
        caller.address = lowest.socket().remote_endpoint(ec).address().to_string();

        lowest.expires_after(limits.handshake_timeout);
        co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            // Refused certificates end here: another CA, expired, not a client certificate.
            long verify = SSL_get_verify_result(stream.native_handle());
            std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ec.message();
            Log::warn(name + ": TLS handshake from " + caller.address + " refused: " + why);
            co_return;
        }
        if (X509* peer = SSL_get0_peer_certificate(stream.native_handle());
            peer && SSL_get_verify_result(stream.native_handle()) == X509_V_OK)
            caller.certificate = mamori::proto::Certificate::fromX509(peer);

        beast::flat_buffer buffer;
        bool first = true;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(limits.max_body_bytes);
            parser.header_limit(16 * 1024);
            // The idle deadline covers the wait for a request; the request deadline its arrival.
            lowest.expires_after(first ? limits.request_timeout : limits.idle_timeout);
            first = false;
            co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
            if (!ec && !parser.is_done()) {
                lowest.expires_after(limits.request_timeout);
                co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
            }
            if (ec == http::error::body_limit) {
                Log::warn(name + ": request from " + caller.address + " over the " +
                          std::to_string(limits.max_body_bytes) + "-byte limit, refused");
                HttpResponse res{http::status::payload_too_large, 11};
                res.body() = "request body too large";
                res.prepare_payload();
                res.keep_alive(false);
                co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
                // A client still sending its body would get a reset instead of the answer if the
                // connection closed now: read and drop the rest first, for a bounded time and size.
                std::array<char, 16 * 1024> sink;
                lowest.expires_after(std::chrono::seconds(2));
                for (size_t dropped = 0; !ec && dropped < (1u << 20);)
                    dropped += co_await stream.async_read_some(asio::buffer(sink),
                                                               asio::redirect_error(asio::use_awaitable, ec));
                break;
            }
            if (ec == beast::error::timeout) {
                if (parser.got_some()) Log::warn(name + ": " + caller.address + " too slow to send a request, closed");
                break;
            }
            if (ec) break;  // closed by the peer, or garbage: nothing to answer

            HttpRequest req = parser.release();
            HttpResponse res;
            try {
                res = handler(req, caller);
            } catch (const std::exception& e) {
                Log::error(name + ": " + std::string(req.target()) + " failed: " + e.what());
                res = reply(req, http::status::internal_server_error, "internal error\n");
            }
            lowest.expires_after(limits.request_timeout);
            co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
            if (ec || !res.keep_alive()) break;
        }
        lowest.expires_after(std::chrono::seconds(2));
        co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    }
};

HttpsServer::HttpsServer(asio::io_context& io, asio::ssl::context& tls, const tcp::endpoint& at, Handler handler,
                         Limits limits, std::string name)
    : impl_(std::make_shared<Impl>(io, tls, at, std::move(handler), limits, std::move(name))) {}

HttpsServer::~HttpsServer() { stop(); }

void HttpsServer::start() { asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept(), asio::detached); }

void HttpsServer::stop() {
    if (impl_->stopped) return;
    impl_->stopped = true;
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
}

unsigned short HttpsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

HttpResponse HttpsServer::reply(const HttpRequest& req, http::status status, std::string body,
                                std::string content_type) {
    HttpResponse res{status, req.version()};
    res.set(http::field::server, "mamori-collector");
    res.set(http::field::content_type, content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

}  // namespace mamori::collector
