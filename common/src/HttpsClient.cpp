#include "mamori/common/HttpsClient.h"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <stdexcept>

namespace mamori::common {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpsClient::Impl {
    asio::any_io_executor ex;
    asio::ssl::context& tls;
    std::string host, port;
    std::chrono::milliseconds timeout;
    std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
    beast::flat_buffer buffer;

    asio::awaitable<void> connect() {
        stream.emplace(ex, tls);
        auto& lowest = beast::get_lowest_layer(*stream);
        SSL_set_tlsext_host_name(stream->native_handle(), host.c_str());
        stream->set_verify_callback(asio::ssl::host_name_verification(host));
        tcp::resolver resolver(ex);
        lowest.expires_after(timeout);
        auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);
        co_await lowest.async_connect(endpoints, asio::use_awaitable);
        // A request is header and body records: without this, the second waits on a delayed ACK.
        boost::system::error_code ignored;
        lowest.socket().set_option(tcp::no_delay(true), ignored);
        co_await stream->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
        buffer.clear();
    }
};

HttpsClient::HttpsClient(asio::any_io_executor ex, asio::ssl::context& tls, const std::string& url,
                         std::chrono::milliseconds timeout)
    : impl_(new Impl{ex, tls, {}, {}, timeout, {}, {}}) {
    std::string rest = url;
    if (rest.rfind("https://", 0) != 0) throw std::invalid_argument("collector URL must start with https:// : " + url);
    rest = rest.substr(8);
    if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
    if (!rest.empty() && rest.front() == '[') {  // [v6]:port
        auto close = rest.find(']');
        if (close == std::string::npos) throw std::invalid_argument("malformed URL: " + url);
        impl_->host = rest.substr(1, close - 1);
        impl_->port = close + 2 <= rest.size() ? rest.substr(close + 2) : "443";
    } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
        impl_->host = rest.substr(0, colon);
        impl_->port = rest.substr(colon + 1);
    } else {
        impl_->host = rest;
        impl_->port = "443";
    }
    if (impl_->host.empty() || impl_->port.empty()) throw std::invalid_argument("malformed URL: " + url);
}

HttpsClient::~HttpsClient() = default;

const std::string& HttpsClient::host() const { return impl_->host; }

void HttpsClient::close() {
    if (impl_->stream) {
        boost::system::error_code ec;
        beast::get_lowest_layer(*impl_->stream).socket().close(ec);
        impl_->stream.reset();
    }
}

asio::awaitable<HttpsClient::Response> HttpsClient::request(http::verb method, std::string target, std::string body,
                                                            std::string content_type, Headers headers) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, impl_->host);
    req.set(http::field::user_agent, "mamori/" MAMORI_VERSION);
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    for (auto& [k, v] : headers) req.set(k, v);
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();

    // A kept-alive connection may have been closed by the server meanwhile: retry once, fresh.
    for (int attempt = 0;; ++attempt) {
        bool fresh = !impl_->stream;
        try {
            if (fresh) co_await impl_->connect();
            auto& lowest = beast::get_lowest_layer(*impl_->stream);
            lowest.expires_after(impl_->timeout);
            co_await http::async_write(*impl_->stream, req, asio::use_awaitable);
            http::response_parser<http::string_body> parser;
            parser.body_limit(64 * 1024 * 1024);
            co_await http::async_read(*impl_->stream, impl_->buffer, parser, asio::use_awaitable);
            auto res = parser.release();
            Response out{res.result_int(), std::move(res.body()), std::string(res[http::field::content_type])};
            if (!res.keep_alive()) close();
            co_return out;
        } catch (const boost::system::system_error& e) {
            close();
            // What a person reads in the status and the log: where, and what went wrong, without
            // Boost's source location.
            if (fresh || attempt > 0)
                throw std::runtime_error(impl_->host + ":" + impl_->port + ": " + e.code().message());
        }
    }
}

HttpsClient::Response HttpsClient::fetch(asio::ssl::context& tls, const std::string& url, http::verb method,
                                         std::string target, std::string body, std::string content_type,
                                         Headers headers, std::chrono::milliseconds timeout) {
    asio::io_context io;
    HttpsClient client(io.get_executor(), tls, url, timeout);
    std::optional<Response> out;
    std::exception_ptr error;
    asio::co_spawn(io,
                   client.request(method, std::move(target), std::move(body), std::move(content_type),
                                  std::move(headers)),
                   [&](std::exception_ptr e, Response r) {
                       if (e) error = e;
                       else out = std::move(r);
                   });
    io.run();
    if (error) std::rethrow_exception(error);
    return *out;
}

std::shared_ptr<asio::ssl::context> HttpsClient::context(const std::string& ca_pem, const std::string& cert_pem,
                                                         const std::string& key_pem) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
    if (!ca_pem.empty()) {
        ctx->add_certificate_authority(asio::buffer(ca_pem));
        ctx->set_verify_mode(asio::ssl::verify_peer);
    } else {
        // Only to fetch the CA certificate at enrollment, which is then checked against the
        // fingerprint pinned in the token before anything is trusted.
        ctx->set_verify_mode(asio::ssl::verify_none);
    }
    if (!cert_pem.empty()) {
        ctx->use_certificate_chain(asio::buffer(cert_pem));
        ctx->use_private_key(asio::buffer(key_pem), asio::ssl::context::pem);
    }
    return ctx;
}

}  // namespace mamori::common
