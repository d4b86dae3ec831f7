// Where the agent's client connects, over real TCP on loopback: an address as written (IPv4 and
// IPv6), a name through the system's resolver (localhost, whichever of its addresses listens),
// and after a connection that failed, the same client connecting again once something listens.
// Each server answers with the busy alert, so a 503 proves the client reached it.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "mamori/common/HttpsClient.h"
#include "mamori/common/TlsBusyAlert.h"
#include "tests/support/OneConnectionServer.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using mamori::common::HttpsClient;
using mamori::test::OneConnectionServer;

namespace {

void busy(tcp::socket& s) { mamori::common::TlsBusyAlert::send(s); }

// One request on `client`, run to its end on `io`.
HttpsClient::Response ask(asio::io_context& io, HttpsClient& client) {
    auto done = asio::co_spawn(io, client.request(boost::beast::http::verb::post, "/v1/sync", "x", "application/x-protobuf"),
                               asio::use_future);
    io.restart();
    io.run();
    return done.get();
}

struct AddressTest : ::testing::Test {
    asio::io_context io;
    // No CA, as at enrollment: nothing here gets as far as a server's certificate.
    std::shared_ptr<asio::ssl::context> tls = HttpsClient::context("");
};

}  // namespace

TEST_F(AddressTest, AnIpv4AddressIsConnectedToAsWritten) {
    OneConnectionServer server(busy);
    HttpsClient client(io.get_executor(), *tls, server.url(), std::chrono::seconds(5));
    EXPECT_EQ(ask(io, client).status, 503u);
}

TEST_F(AddressTest, AnIpv6AddressIsConnectedToAsWritten) {
    OneConnectionServer server(busy, asio::ip::address_v6::loopback());
    ASSERT_EQ(server.url().rfind("https://[::1]:", 0), 0u) << server.url();
    HttpsClient client(io.get_executor(), *tls, server.url(), std::chrono::seconds(5));
    EXPECT_EQ(ask(io, client).status, 503u);
}

TEST_F(AddressTest, ANameIsLookedUpAndEachOfItsAddressesTried) {
    // localhost may name ::1 before 127.0.0.1; only the latter listens here.
    OneConnectionServer server(busy);
    HttpsClient client(io.get_executor(), *tls, "https://localhost:" + std::to_string(server.port()),
                       std::chrono::seconds(5));
    EXPECT_EQ(ask(io, client).status, 503u);
}

TEST_F(AddressTest, AfterAFailedConnectionTheSameClientConnectsOnceSomethingListens) {
    unsigned short port = 0;
    {
        tcp::acceptor probe(io, {asio::ip::address_v4::loopback(), 0});
        port = probe.local_endpoint().port();
    }  // closed: nothing listens there now
    for (const std::string host : {"127.0.0.1", "localhost"}) {
        SCOPED_TRACE(host);
        HttpsClient client(io.get_executor(), *tls, "https://" + host + ":" + std::to_string(port),
                           std::chrono::seconds(5));
        EXPECT_THROW(ask(io, client), std::runtime_error);
        OneConnectionServer server(busy, asio::ip::address_v4::loopback(), port);
        EXPECT_EQ(ask(io, client).status, 503u);
    }
}

TEST_F(AddressTest, APortThatIsNotANumberFrom1To65535IsRefusedWithTheUrl) {
    for (const std::string url : {"https://127.0.0.1:0", "https://127.0.0.1:65536", "https://collector:https",
                                  "https://collector:84x3", "https://[::1]:-1"}) {
        SCOPED_TRACE(url);
        try {
            HttpsClient client(io.get_executor(), *tls, url, std::chrono::seconds(5));
            ADD_FAILURE() << "accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
        }
    }
}
