#pragma once
// A TLS client with no certificate of its own, writing raw bytes: what an attacker can do.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>
#include <thread>

namespace mamori::test {

class RawTlsClient {
public:
    // source: the local address to connect from (any 127.0.0.0/8 address is on loopback), so
    // that a crowd can come from one address or from many.
    explicit RawTlsClient(unsigned short port, const std::string& source = {})
        : tls_(boost::asio::ssl::context::tls_client), stream_(io_, tls_) {
        namespace asio = boost::asio;
        tls_.set_verify_mode(asio::ssl::verify_none);  // the server is not what is under test here
        auto& socket = stream_.next_layer();
        if (!source.empty()) {
            socket.open(asio::ip::tcp::v4());
            socket.bind({asio::ip::make_address_v4(source), 0});
        }
        socket.connect({asio::ip::address_v4::loopback(), port});
        stream_.handshake(asio::ssl::stream_base::client);
    }
    void send(const std::string& bytes) { boost::asio::write(stream_, boost::asio::buffer(bytes)); }
    // Writes without throwing; false once the server has closed.
    bool trySend(const std::string& bytes) {
        boost::system::error_code ec;
        boost::asio::write(stream_, boost::asio::buffer(bytes), ec);
        return !ec;
    }
    // Everything the server sends until it closes, or until the timeout.
    std::string readAll(std::chrono::seconds timeout = std::chrono::seconds(5)) {
        namespace asio = boost::asio;
        std::string out;
        const auto until = std::chrono::steady_clock::now() + timeout;
        stream_.next_layer().non_blocking(true);
        char buf[4096];
        while (std::chrono::steady_clock::now() < until) {
            boost::system::error_code ec;
            const size_t n = stream_.read_some(asio::buffer(buf), ec);
            if (ec == asio::error::would_block) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                continue;
            }
            if (ec) break;
            out.append(buf, n);
        }
        stream_.next_layer().non_blocking(false);
        return out;
    }

private:
    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
};

}  // namespace mamori::test
