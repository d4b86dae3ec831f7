#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mamori/proto/Certificate.h"

namespace mamori::collector {

class OverloadDetector;

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// What a handler knows about the caller: the verified client certificate (if any) and the address.
struct Caller {
    std::optional<mamori::proto::Certificate> certificate;
    std::string address;
};

using Handler = std::function<HttpResponse(const HttpRequest&, const Caller&)>;
using HttpRequestHead = http::request_header<>;
// Decides about a request from its header alone, before any of its body is read: a refusal
// (no credential, an unknown path) is answered at the cost of the header, and body_limit (the
// listener's largest on entry) may be lowered to what this endpoint needs. nullopt: read the
// body and call the handler.
using Admission = std::function<std::optional<HttpResponse>(const HttpRequestHead&, const Caller&, std::size_t& body_limit)>;
// Told of every answer to a request whose header was read: its header, the status, and the time
// from the header read to the answer written, body and handler included (CollectorMetrics).
// Called from the server's threads.
using Answered = std::function<void(const HttpRequestHead&, http::status, std::chrono::steady_clock::duration)>;

// HTTPS/1.1 over Boost.Beast with the limits an exposed server needs: handshake and request
// deadlines (a slowloris client is cut off), caps on connections overall and per address (503),
// new connections shed past capacity or past an AdmissionLimit (TlsBusyAlert, before any handshake),
// header and target size limits (431, 414), a body read only once admitted, and within the
// endpoint's size limit (413), keep-alive.
// The TLS context decides whether a client certificate is requested and which CA it must chain to.
class HttpsServer {
public:
    struct Limits {
        std::size_t max_body_bytes = 16 * 1024 * 1024;
        std::size_t max_header_bytes = 16 * 1024;  // request line and fields together
        std::size_t max_connections = 4096;
        std::size_t max_connections_per_address = 64;
        std::chrono::seconds handshake_timeout{10};
        std::chrono::seconds request_timeout{15};  // from the first byte of a request to its last
        std::chrono::seconds idle_timeout{60};     // between requests on a kept-alive connection
        // While it says so, and for each connection that waited too long in the kernel's
        // backlog while it stands, new connections are turned away with TlsBusyAlert (read as a
        // 503 with Retry-After: 30): for the agents' listener, whose clients come back by
        // themselves. Outlives the server.
        OverloadDetector* shed_when = nullptr;
        // And past an AdmissionLimit of its own on the connections accepted and not yet
        // answered, whatever the detector says.
        bool limit_admissions = false;
    };

    HttpsServer(boost::asio::io_context& io, boost::asio::ssl::context& tls, const boost::asio::ip::tcp::endpoint& at,
                Handler handler, Limits limits, std::string name);
    ~HttpsServer();

    // Before start(): the check run on each request's header (none: every body is read).
    void admit(Admission admission);
    // Before start(): who is told of each answer.
    void onAnswer(Answered answered);
    void start();
    void stop();
    unsigned short port() const;
    // Since start: TLS handshakes that failed (a refused certificate, a scanner, a timeout).
    uint64_t handshakeFailures() const;
    // Since start: TLS handshakes completed, and how many of them resumed an earlier session.
    uint64_t handshakes() const;
    uint64_t resumedHandshakes() const;
    // Since start: connections turned away because the collector was past capacity, and because
    // a connection cap was reached.
    uint64_t shedConnections() const;
    uint64_t connectionsOverCap() const;
    size_t connectionsInUse() const;
    // The AdmissionLimit's limit now; nullopt for a listener without one.
    std::optional<size_t> admissionLimit() const;

    static HttpResponse reply(const HttpRequestHead& req, http::status status, std::string body,
                              std::string content_type = "text/plain; charset=utf-8");

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace mamori::collector
