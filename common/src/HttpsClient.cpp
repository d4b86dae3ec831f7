#include "mamori/common/HttpsClient.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <algorithm>
#include <charconv>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <vector>

#include "mamori/common/TlsBusyAlert.h"
#include "mamori/common/TlsSessionCache.h"

namespace mamori::common {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// "2026-12-04 09:30:00 UTC"; "?" when OpenSSL cannot read the time.
std::string utcText(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return "?";
    char buf[32];
    return std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) ? buf : "?";
}

// A certificate refused for its dates is, on a terminal, almost always the terminal's clock:
// a machine whose battery died starts in the past, before the collector's certificate was
// issued, and "certificate verify failed" alone sends the administrator to the wrong place.
// Says what the dates are, what this clock says and what to do, in English and Japanese.
std::string clockExplanation(int error, int depth, const X509* cert) {
    const std::string which = depth == 0 ? "the collector's certificate" : "the CA certificate of the collector";
    const std::string which_ja = depth == 0 ? "コレクターの証明書" : "コレクターのCA証明書";
    const std::string from = utcText(X509_get0_notBefore(cert)), to = utcText(X509_get0_notAfter(cert));
    ASN1_TIME* now_asn1 = ASN1_TIME_set(nullptr, std::time(nullptr));
    const std::string now = utcText(now_asn1);
    ASN1_TIME_free(now_asn1);
    const std::string dates = which + " is valid from " + from + " to " + to + ", but this terminal's clock says " + now;
    const std::string dates_ja =
        which_ja + "の有効期間は " + from + " から " + to + " までですが、この端末の時計は " + now + " を示しています。";
    if (error == X509_V_ERR_CERT_NOT_YET_VALID)
        return dates + ": the terminal's clock is probably wrong (behind). Set it right (timedatectl; check that "
                       "the time server is reachable); the agent then connects by itself.\n" +
               dates_ja +
               "端末の時計が遅れている可能性があります。時計を正しく合わせてください（timedatectl、時刻サーバーへの接続を"
               "確認）。合わせれば自動的に接続します。";
    return dates + ": either the terminal's clock is wrong (ahead) or the certificate has expired. If the clock is "
                   "right, renew the certificate on the collector; otherwise set the clock right (timedatectl).\n" +
           dates_ja +
           "端末の時計が進んでいるか、証明書の有効期限が切れています。時計が正しければコレクターの証明書を更新し、"
           "誤っていれば時計を正しく合わせてください（timedatectl）。";
}

// The wait a 503 asks for, from its Retry-After in seconds (RFC 9110 also allows a date, which a
// collector never sends): 5 s when absent, unreadable or 0, and never more than an hour, whatever
// a server says.
unsigned retryAfterSeconds(unsigned status, std::string_view value) {
    if (status != 503) return 0;
    if (value.empty() || value.size() > 6 || value.find_first_not_of("0123456789") != std::string_view::npos) return 5;
    return std::clamp(static_cast<unsigned>(std::stoul(std::string(value))), 1u, 3600u);
}

}  // namespace

struct HttpsClient::Impl {
    asio::any_io_executor ex;
    asio::ssl::context& tls;
    std::string host, port;
    unsigned short port_number = 0;  // port, checked when the URL is read
    std::chrono::milliseconds timeout;
    std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
    beast::flat_buffer buffer;
    // Set by the verify callback of the handshake under way when a certificate's dates are the
    // reason it is refused.
    std::string clock_problem;

    // Where host:port is: an address as written, a name as the system's resolver last said.
    // Looked up once, not at every connection: an agent reconnects each minute, and each lookup
    // ran getaddrinfo on asio's resolver thread (and, for a name, asked DNS) for the same answer.
    std::vector<tcp::endpoint> addresses;

    asio::awaitable<std::vector<tcp::endpoint>> resolve() {
        std::vector<tcp::endpoint> out;
        boost::system::error_code not_an_address;
        const auto address = asio::ip::make_address(host, not_an_address);
        if (!not_an_address) {
            out.emplace_back(address, port_number);
            co_return out;
        }
        tcp::resolver resolver(ex);
        for (const auto& entry : co_await resolver.async_resolve(host, port, asio::use_awaitable))
            out.push_back(entry.endpoint());
        co_return out;
    }

    // False when the server turned the connection away as busy (TlsBusyAlert).
    asio::awaitable<bool> connect() {
        stream.emplace(ex, tls);
        auto& lowest = beast::get_lowest_layer(*stream);
        SSL_set_tlsext_host_name(stream->native_handle(), host.c_str());
        TlsSessionCache::offer(stream->native_handle(), host + ":" + port);
        clock_problem.clear();
        stream->set_verify_callback([this, names = asio::ssl::host_name_verification(host)](
                                        bool preverified, asio::ssl::verify_context& ctx) mutable {
            X509_STORE_CTX* store = ctx.native_handle();
            const int error = X509_STORE_CTX_get_error(store);
            if (!preverified && clock_problem.empty() &&
                (error == X509_V_ERR_CERT_NOT_YET_VALID || error == X509_V_ERR_CERT_HAS_EXPIRED)) {
                if (const X509* cert = X509_STORE_CTX_get_current_cert(store))
                    clock_problem = clockExplanation(error, X509_STORE_CTX_get_error_depth(store), cert);
            }
            return names(preverified, ctx);
        });
        lowest.expires_after(timeout);
        if (addresses.empty()) addresses = co_await resolve();
        boost::system::error_code connect_failed;
        co_await lowest.async_connect(addresses, asio::redirect_error(asio::use_awaitable, connect_failed));
        // The name may point elsewhere now: the next connection looks it up again.
        if (connect_failed) {
            addresses.clear();
            throw boost::system::system_error(connect_failed);
        }
        // A request is header and body records: without this, the second waits on a delayed ACK.
        boost::system::error_code ignored;
        lowest.socket().set_option(tcp::no_delay(true), ignored);
        boost::system::error_code ec;
        co_await stream->async_handshake(asio::ssl::stream_base::client,
                                         asio::redirect_error(asio::use_awaitable, ec));
        if (ec && TlsBusyAlert::received(ec)) {
            stream.reset();
            co_return false;
        }
        if (ec && !clock_problem.empty()) {
            stream.reset();  // the next request starts afresh, as after any failed handshake
            throw std::runtime_error(host + ":" + port + ": " + clock_problem);
        }
        if (ec) throw boost::system::system_error(ec);
        buffer.clear();
        co_return true;
    }
};

HttpsClient::HttpsClient(asio::any_io_executor ex, asio::ssl::context& tls, const std::string& url,
                         std::chrono::milliseconds timeout)
    : impl_(new Impl{ex, tls, {}, {}, 0, timeout, {}, {}, {}, {}}) {
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
    // A number from 1 to 65535, not a service name: a wrong port is refused here, with the URL,
    // not found at the first connection.
    const auto& port = impl_->port;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), impl_->port_number);
    if (error != std::errc() || end != port.data() + port.size() || impl_->port_number == 0)
        throw std::invalid_argument("malformed URL: the port must be a number from 1 to 65535: " + url);
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
            if (fresh && !co_await impl_->connect())
                co_return Response{503,
                                   "busy: the server turned the connection away before its handshake; try again later\n"
                                   "混雑しています（サーバーが接続を受け付けませんでした）。しばらくしてから再試行してください。\n",
                                   "text/plain; charset=utf-8", TlsBusyAlert::kRetryAfterSeconds};
            auto& lowest = beast::get_lowest_layer(*impl_->stream);
            lowest.expires_after(impl_->timeout);
            co_await http::async_write(*impl_->stream, req, asio::use_awaitable);
            http::response_parser<http::string_body> parser;
            parser.body_limit(64 * 1024 * 1024);
            co_await http::async_read(*impl_->stream, impl_->buffer, parser, asio::use_awaitable);
            auto res = parser.release();
            Response out{res.result_int(), std::move(res.body()), std::string(res[http::field::content_type]),
                         retryAfterSeconds(res.result_int(), res[http::field::retry_after])};
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
    TlsSessionCache::enable(ctx->native_handle());
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
