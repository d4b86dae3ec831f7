#pragma once
// A listener on loopback that does `answer` to the one connection it takes, once its first bytes
// (a ClientHello) are there: enough to show where a client connected and what it made of a reply.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>
#include <thread>

namespace mamori::test {

class OneConnectionServer {
public:
    using tcp = boost::asio::ip::tcp;

    // On `address` (IPv4 loopback unless told), at `port` (any free one when 0).
    explicit OneConnectionServer(std::function<void(tcp::socket&)> answer,
                                 boost::asio::ip::address address = boost::asio::ip::address_v4::loopback(),
                                 unsigned short port = 0)
        : acceptor_(io_, {address, port}), thread_([this, answer] {
              tcp::socket socket(io_);
              acceptor_.accept(socket);
              socket.wait(tcp::socket::wait_read);
              answer(socket);
          }) {}
    ~OneConnectionServer() { thread_.join(); }

    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    std::string url() const {
        const auto a = acceptor_.local_endpoint().address();
        return "https://" + (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port());
    }

private:
    boost::asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
};

}  // namespace mamori::test
