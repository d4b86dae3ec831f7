#include "collector/HttpsServer.h"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <boost/beast/ssl.hpp>

#include "collector/AcceptLoop.h"
#include "collector/AdmissionLimit.h"
#include "collector/ConnectionSlots.h"
#include "collector/OverloadDetector.h"
#include "mamori/common/AcceptedConnection.h"
#include "mamori/common/TlsBusyAlert.h"
#include "mamori/common/Log.h"

namespace mamori::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

struct HttpsServer::Impl : std::enable_shared_from_this<Impl> {
    asio::ssl::context& tls;
    tcp::acceptor acceptor;
    Handler handler;
    Admission admission;
    Answered answered;
    std::atomic<uint64_t> handshake_failures{0}, handshakes{0}, resumed{0}, shed{0}, over_cap{0};
    Limits limits;
    std::shared_ptr<AdmissionLimit> admission_limit;  // when limits.limit_admissions
    std::string name;
    bool stopped = false;
    ConnectionSlots slots;
    // A connection over a cap is answered with a TLS handshake and a 503 that says when to come
    // back, which costs a little: past this many at once, it gets the busy alert instead. Past
    // capacity every connection turned away gets the alert, which costs nothing: a refusal's
    // handshake costs most of what a sync does, and would wait in the same queue as the syncs
    // admitted.
    std::atomic<size_t> refusing{0};
    static constexpr size_t kMaxRefusing = 256;
    // One log line per interval when a cap is hit, with the count since the last one.
    std::mutex refused_mutex;
    std::chrono::steady_clock::time_point refused_logged{};
    uint64_t refused_unlogged = 0;

    Impl(asio::io_context& i, asio::ssl::context& t, const tcp::endpoint& at, Handler h, Limits l, std::string n)
        : tls(t), acceptor(i), handler(std::move(h)), limits(l), name(std::move(n)),
          slots(l.max_connections, l.max_connections_per_address) {
        if (l.limit_admissions) admission_limit = std::make_shared<AdmissionLimit>(AdmissionLimit::Settings{});
        acceptor.open(at.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen(asio::socket_base::max_listen_connections);
    }

    asio::awaitable<void> accept() {
        auto self = shared_from_this();
        co_await AcceptLoop::run(acceptor, name, [this](tcp::socket socket) { welcome(std::move(socket)); });
    }

    // A connection accepted: a slot and a session, or a refusal when a cap is reached.
    void welcome(tcp::socket socket) {
        boost::system::error_code ec;
        // A response leaves as several TLS records; with Nagle's algorithm the last one waits
        // for the client's delayed ACK (40 ms on Linux) on a kept-alive connection.
        socket.set_option(tcp::no_delay(true), ec);
        const std::string address = socket.remote_endpoint(ec).address().to_string();
        auto ex = socket.get_executor();
        if (limits.shed_when) {
            // Told to come back later than a capped client (TlsBusyAlert::kRetryAfterSeconds): the
            // whole fleet is turned away, and it comes back over the next minute.
            const auto now = std::chrono::steady_clock::now();
            const char* why = limits.shed_when->late(now, common::AcceptedConnection::waited(socket.native_handle()))
                                  ? "overloaded: connections wait to be accepted longer than they should"
                              : limits.shed_when->overloaded(now) ? "overloaded: work waits for a worker longer than it should"
                                                                  : nullptr;
            if (why) {
                ++shed;
                turnAway(socket, address, why);
                return;
            }
        }
        std::string why;
        auto slot = slots.take(address, why);
        if (!slot) {
            ++over_cap;
            if (refusing.load() >= kMaxRefusing) {
                turnAway(socket, address, why);
                return;
            }
            noteRefusal(address, "refused with 503", why);
            asio::co_spawn(ex, refuse(Stream(beast::tcp_stream(std::move(socket)), tls), 5), asio::detached);
            return;
        }
        AdmissionLimit::Place place;
        if (admission_limit) {
            place = admission_limit->tryStart(std::chrono::steady_clock::now());
            if (!place) {
                ++shed;
                turnAway(socket, address, "overloaded: as many connections under way as it can answer quickly");
                return;
            }
        }
        asio::co_spawn(ex,
                       session(Stream(beast::tcp_stream(std::move(socket)), tls), address, std::move(slot),
                               std::move(place)),
                       asio::detached);
    }

    // Before any handshake, at no cost (TlsBusyAlert); the socket closes when the caller drops it.
    void turnAway(tcp::socket& socket, const std::string& address, const std::string& why) {
        noteRefusal(address, "turned away as busy", why);
        common::TlsBusyAlert::send(socket);
    }

    void noteRefusal(const std::string& address, const char* how, const std::string& why) {
        std::lock_guard lock(refused_mutex);
        ++refused_unlogged;
        const auto now = std::chrono::steady_clock::now();
        if (now - refused_logged < std::chrono::seconds(10)) return;
        Log::warn(name + ": connection from " + address + " " + how + " (" + why + "); " +
                  std::to_string(refused_unlogged) + " refused since the last such line");
        refused_logged = now;
        refused_unlogged = 0;
    }

    // Over a cap: a short TLS handshake (resumed, for an agent that has been here before) and a
    // 503 that says in how many seconds to come back, then close.
    asio::awaitable<void> refuse(Stream stream, int retry_after_s) {
        auto self = shared_from_this();
        ++refusing;
        struct Done {
            std::atomic<size_t>& n;
            ~Done() { --n; }
        } done{refusing};
        boost::system::error_code ec;
        auto& lowest = beast::get_lowest_layer(stream);
        lowest.expires_after(std::min<std::chrono::seconds>(limits.handshake_timeout, std::chrono::seconds(2)));
        co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        HttpResponse res{http::status::service_unavailable, 11};
        res.set(http::field::server, "mamori-collector");
        res.set(http::field::retry_after, std::to_string(retry_after_s));
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = "busy: too many connections; try again later\n"
                     "混雑しています（接続数が上限です）。しばらくしてから再試行してください。\n";
        res.keep_alive(false);
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    }

    void tell(const HttpRequestHead& head, http::status status, std::chrono::steady_clock::time_point since) const {
        if (answered) answered(head, status, std::chrono::steady_clock::now() - since);
    }

    // A request line or header over the limit: 414 when the request line alone does not fit
    // (no line end among the bytes read), 431 otherwise.
    static http::status oversizeStatus(const beast::flat_buffer& buffer) {
        const auto data = buffer.data();
        const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
        return bytes.find("\r\n") == std::string_view::npos ? http::status::uri_too_long
                                                              : http::status::request_header_fields_too_large;
    }

    asio::awaitable<void> session(Stream stream, std::string address, std::unique_ptr<ConnectionSlots::Slot> slot,
                                  AdmissionLimit::Place place) {
        auto self = shared_from_this();
        Caller caller;
        caller.address = std::move(address);
        boost::system::error_code ec;
        auto& lowest = beast::get_lowest_layer(stream);

        lowest.expires_after(limits.handshake_timeout);
        co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            ++handshake_failures;
            // Refused certificates end here: another CA, expired, not a client certificate.
            long verify = SSL_get_verify_result(stream.native_handle());
            std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ec.message();
            Log::warn(name + ": TLS handshake from " + caller.address + " refused: " + why);
            co_return;
        }
        ++handshakes;
        if (SSL_session_reused(stream.native_handle())) ++resumed;
        // A resumed session keeps the certificate, and its verification result, of the full
        // handshake it began with.
        if (X509* peer = SSL_get0_peer_certificate(stream.native_handle());
            peer && SSL_get_verify_result(stream.native_handle()) == X509_V_OK)
            caller.certificate = mamori::proto::Certificate::fromX509(peer);
        // Not an agent: its handshake, the work it made, is done, and whatever it does next is up
        // to a client that may be slow on purpose. It holds no place any longer, and its answer
        // is no sample: the limit must not take its slowness for the collector's.
        if (!caller.certificate) place = {};
        else place.belongsTo(caller.certificate->commonName());

        beast::flat_buffer buffer;
        bool first = true;
        for (;;) {
            http::request_parser<http::string_body> parser;
            std::size_t body_limit = limits.max_body_bytes;
            parser.body_limit(body_limit);
            parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
            // The idle deadline covers the wait for a request; the request deadline its arrival.
            lowest.expires_after(first ? limits.request_timeout : limits.idle_timeout);
            first = false;
            co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
            const auto header_read = std::chrono::steady_clock::now();
            if (ec == http::error::header_limit) {
                const auto status = oversizeStatus(buffer);
                Log::warn(name + ": request from " + caller.address + " with a " +
                          (status == http::status::uri_too_long ? "request line" : "header") + " over " +
                          std::to_string(limits.max_header_bytes) + " bytes, refused");
                HttpResponse res{status, 11};
                res.body() = status == http::status::uri_too_long ? "request line too long\n" : "header too large\n";
                res.keep_alive(false);
                res.prepare_payload();
                co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
                break;
            }
            if (!ec && admission) {
                // Credentials and the path are judged on the header: an unauthenticated body is
                // never read, and an admitted one only up to what its endpoint needs.
                std::optional<HttpResponse> refusal;
                try {
                    refusal = admission(parser.get().base(), caller, body_limit);
                } catch (const std::exception& e) {
                    Log::error(name + ": " + std::string(parser.get().target()) + " admission failed: " + e.what());
                    refusal = reply(parser.get().base(), http::status::internal_server_error, "internal error\n");
                }
                if (refusal) {
                    // The body, if any, is not read: the connection cannot carry another request.
                    if (!parser.is_done()) refusal->keep_alive(false);
                    lowest.expires_after(limits.request_timeout);
                    co_await http::async_write(stream, *refusal, asio::redirect_error(asio::use_awaitable, ec));
                    if (!ec) place.answered(std::chrono::steady_clock::now());
                    tell(parser.get().base(), refusal->result(), header_read);
                    if (ec || !refusal->keep_alive()) break;
                    continue;
                }
                body_limit = std::min(body_limit, limits.max_body_bytes);
                if (parser.content_length() && *parser.content_length() > body_limit)
                    ec = http::error::body_limit;
                else
                    parser.body_limit(body_limit);
            }
            if (!ec && !parser.is_done()) {
                lowest.expires_after(limits.request_timeout);
                co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
            }
            if (ec == http::error::body_limit) {
                Log::warn(name + ": request from " + caller.address + " over the " + std::to_string(body_limit) +
                          "-byte limit of " + std::string(parser.get().target()) + ", refused");
                HttpResponse res{http::status::payload_too_large, 11};
                res.body() = "request body too large";
                res.prepare_payload();
                res.keep_alive(false);
                co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
                tell(parser.get().base(), res.result(), header_read);
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
            if (!ec) place.answered(std::chrono::steady_clock::now());
            tell(req.base(), res.result(), header_read);
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

void HttpsServer::admit(Admission admission) { impl_->admission = std::move(admission); }

void HttpsServer::onAnswer(Answered answered) { impl_->answered = std::move(answered); }

uint64_t HttpsServer::handshakeFailures() const { return impl_->handshake_failures.load(); }

uint64_t HttpsServer::handshakes() const { return impl_->handshakes.load(); }

uint64_t HttpsServer::resumedHandshakes() const { return impl_->resumed.load(); }

uint64_t HttpsServer::shedConnections() const { return impl_->shed.load(); }

uint64_t HttpsServer::connectionsOverCap() const { return impl_->over_cap.load(); }

size_t HttpsServer::connectionsInUse() const { return impl_->slots.inUse(); }

std::optional<size_t> HttpsServer::admissionLimit() const {
    if (!impl_->admission_limit) return std::nullopt;
    return impl_->admission_limit->limit();
}

void HttpsServer::start() { asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept(), asio::detached); }

void HttpsServer::stop() {
    if (impl_->stopped) return;
    impl_->stopped = true;
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
}

unsigned short HttpsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

HttpResponse HttpsServer::reply(const HttpRequestHead& req, http::status status, std::string body,
                                std::string content_type) {
    HttpResponse res{status, req.version()};
    res.set(http::field::server, "mamori-collector");
    res.set(http::field::content_type, content_type);
    // As the request asked (a header alone has no keep_alive(): the rule of HTTP/1.0 and 1.1).
    http::token_list connection{req[http::field::connection]};
    res.keep_alive(req.version() >= 11 ? !connection.exists("close") : connection.exists("keep-alive"));
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

}  // namespace mamori::collector
