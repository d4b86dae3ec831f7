#pragma once
// A crowd of unauthenticated TLS clients on one io_context: each either announces a large body
// and sends it in chunks, or trickles a header a line at a time (slowloris). Whenever the
// collector closes a connection the client comes back after a pause, so the crowd keeps up its
// pressure for as long as it runs. Source addresses are taken in turn from a list (any address
// in 127.0.0.0/8 is on loopback), so the crowd can come from one machine or from many.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mamori::bench {

class AttackCrowd {
public:
    // What one body attacker sends its request to: a port and the request's head, which
    // announces the body's length.
    struct Target {
        unsigned short port;
        std::string head;
    };

    AttackCrowd(boost::asio::io_context& io, std::vector<std::string> sources, std::chrono::milliseconds reconnect_pause)
        : io_(io), tls_(boost::asio::ssl::context::tls_client), sources_(std::move(sources)), pause_(reconnect_pause) {
        tls_.set_verify_mode(boost::asio::ssl::verify_none);  // an attacker verifies nothing
    }

    // n clients, client i sending to targets[i % size]: the head, then body_bytes in chunks of
    // `chunk` with `chunk_pause` between them, until the collector closes.
    void bodies(int n, const std::vector<Target>& targets, size_t body_bytes, size_t chunk,
                std::chrono::milliseconds chunk_pause) {
        for (int i = 0; i < n; ++i)
            boost::asio::co_spawn(io_, body(targets[i % targets.size()], nextSource(), body_bytes, chunk, chunk_pause),
                                  boost::asio::detached);
    }

    // n clients that send a request line and then one header line every `every`, never ending it.
    void slowloris(int n, unsigned short port, std::chrono::milliseconds every) {
        for (int i = 0; i < n; ++i) boost::asio::co_spawn(io_, trickle(port, nextSource(), every), boost::asio::detached);
    }

    // Counters, read from any thread.
    std::atomic<long> connections{0};   // TLS handshakes completed
    std::atomic<long> open{0};          // connections held now
    std::atomic<long> peak_open{0};
    std::atomic<long> refused_503{0};   // answers that were 503 (a connection cap)
    std::atomic<long> answered{0};      // other answers (401, 413, 408, ...)
    std::atomic<long> failed{0};        // connects or handshakes that failed
    std::atomic<long long> bytes_sent{0};

private:
    using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

    std::string nextSource() { return sources_[next_source_++ % sources_.size()]; }

    // A connected, handshaken stream from `source`, or null when the collector would not have it.
    boost::asio::awaitable<std::shared_ptr<Stream>> connect(unsigned short port, const std::string& source) {
        namespace asio = boost::asio;
        auto s = std::make_shared<Stream>(co_await asio::this_coro::executor, tls_);
        boost::system::error_code ec;
        s->next_layer().open(asio::ip::tcp::v4(), ec);
        if (!ec) s->next_layer().bind({asio::ip::make_address_v4(source), 0}, ec);
        if (!ec) {
            auto [e] = co_await s->next_layer().async_connect({asio::ip::address_v4::loopback(), port},
                                                              asio::as_tuple(asio::use_awaitable));
            ec = e;
        }
        if (!ec) {
            auto [e] = co_await s->async_handshake(Stream::client, asio::as_tuple(asio::use_awaitable));
            ec = e;
        }
        if (ec) {
            ++failed;
            co_return nullptr;
        }
        ++connections;
        const long now = ++open;
        for (long peak = peak_open; now > peak && !peak_open.compare_exchange_weak(peak, now);) {
        }
        co_return s;
    }

    // Reads the first bytes of the collector's answer and counts it.
    boost::asio::awaitable<void> readAnswer(std::shared_ptr<Stream> s) {
        namespace asio = boost::asio;
        char buf[16];
        auto [ec, n] = co_await s->async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        if (!ec && n >= 12) (std::string(buf + 9, 3) == "503" ? refused_503 : answered)++;
    }

    boost::asio::awaitable<void> pause(std::chrono::milliseconds d) {
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, d);
        co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }

    boost::asio::awaitable<void> body(Target target, std::string source, size_t body_bytes, size_t chunk,
                                      std::chrono::milliseconds chunk_pause) {
        namespace asio = boost::asio;
        const std::string block(chunk, 'A');
        for (;;) {
            if (auto s = co_await connect(target.port, source)) {
                asio::co_spawn(io_, readAnswer(s), asio::detached);
                auto [ec, n] = co_await asio::async_write(*s, asio::buffer(target.head), asio::as_tuple(asio::use_awaitable));
                bytes_sent += static_cast<long long>(n);
                for (size_t sent = 0; !ec && sent < body_bytes; sent += chunk) {
                    auto [e, m] = co_await asio::async_write(*s, asio::buffer(block), asio::as_tuple(asio::use_awaitable));
                    ec = e;
                    bytes_sent += static_cast<long long>(m);
                    if (!ec) co_await pause(chunk_pause);
                }
                --open;
                boost::system::error_code ignored;
                s->next_layer().close(ignored);
            }
            co_await pause(pause_);
        }
    }

    boost::asio::awaitable<void> trickle(unsigned short port, std::string source, std::chrono::milliseconds every) {
        namespace asio = boost::asio;
        for (;;) {
            if (auto s = co_await connect(port, source)) {
                asio::co_spawn(io_, readAnswer(s), asio::detached);
                std::string line = "POST /v1/events HTTP/1.1\r\nHost: collector\r\n";
                for (int i = 0;; ++i) {
                    auto [ec, n] = co_await asio::async_write(*s, asio::buffer(line), asio::as_tuple(asio::use_awaitable));
                    bytes_sent += static_cast<long long>(n);
                    if (ec) break;
                    co_await pause(every);
                    line = "X-Slow-" + std::to_string(i) + ": 1\r\n";
                }
                --open;
                boost::system::error_code ignored;
                s->next_layer().close(ignored);
            }
            co_await pause(pause_);
        }
    }

    boost::asio::io_context& io_;
    boost::asio::ssl::context tls_;
    std::vector<std::string> sources_;
    size_t next_source_ = 0;
    std::chrono::milliseconds pause_;
};

}  // namespace mamori::bench
