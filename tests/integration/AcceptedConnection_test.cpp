// How long a connection waited in the listen backlog, as the kernel tells it, over real TCP on
// loopback: what the collector's backlog judgement rests on.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <thread>

#include "mamori/common/AcceptedConnection.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using mamori::common::AcceptedConnection;
using namespace std::chrono_literals;

namespace {

// A client's first bytes sent, then `delay` before the server accepts: what it waited.
std::chrono::milliseconds waitedAfter(std::chrono::milliseconds delay) {
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    asio::write(client, asio::buffer(std::string("ClientHello")));
    std::this_thread::sleep_for(delay);
    tcp::socket server(io);
    acceptor.accept(server);
    return AcceptedConnection::waited(server.native_handle());
}

}  // namespace

TEST(AcceptedConnection, SaysHowLongAConnectionWaitedToBeAccepted) {
    const auto waited = waitedAfter(300ms);
    EXPECT_GE(waited, 280ms);  // the kernel's tick is at most 4 ms
    EXPECT_LT(waited, 2s);
}

TEST(AcceptedConnection, AConnectionTakenAtOnceWaitedNothingToSpeakOf) {
    EXPECT_LT(waitedAfter(0ms), 50ms);
}

TEST(AcceptedConnection, NotASocketIsZero) {
    EXPECT_EQ(AcceptedConnection::waited(-1), 0ms);
}
