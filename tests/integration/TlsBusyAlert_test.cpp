// A server past capacity turns a connection away before its handshake with TlsBusyAlert, and the
// agent's own client, over real TCP on loopback, reads it as a 503 asking it to come back in 30 s;
// a server that closes without a word, or ends the handshake with any other alert, is a failure
// as before, never taken for busy.
#include <gtest/gtest.h>

#include <boost/asio/write.hpp>
#include <array>

#include "mamori/common/HttpsClient.h"
#include "mamori/common/TlsBusyAlert.h"
#include "tests/support/OneConnectionServer.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using mamori::common::HttpsClient;
using mamori::test::OneConnectionServer;

namespace {

HttpsClient::Response fetchFrom(const std::string& url) {
    // No CA, as at enrollment: nothing here gets as far as a server's certificate.
    auto tls = HttpsClient::context("");
    return HttpsClient::fetch(*tls, url, boost::beast::http::verb::post, "/v1/sync", "x", "application/x-protobuf", {},
                              std::chrono::seconds(5));
}

}  // namespace

TEST(TlsBusyAlert, TheClientReadsItAsA503WithItsRetryAfter) {
    OneConnectionServer server([](tcp::socket& s) { mamori::common::TlsBusyAlert::send(s); });
    const auto res = fetchFrom(server.url());
    EXPECT_EQ(res.status, 503u) << res.body;
    EXPECT_EQ(res.retry_after_s, mamori::common::TlsBusyAlert::kRetryAfterSeconds);
    EXPECT_NE(res.body.find("busy"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("混雑しています"), std::string::npos) << res.body;
}

TEST(TlsBusyAlert, AConnectionClosedWithoutAWordIsAFailureNotBusy) {
    OneConnectionServer server([](tcp::socket& s) {
        std::array<char, 4096> sink;
        s.read_some(asio::buffer(sink));
        s.close();
    });
    EXPECT_THROW(fetchFrom(server.url()), std::runtime_error);
}

TEST(TlsBusyAlert, AnyOtherAlertIsAFailureNotBusy) {
    OneConnectionServer server([](tcp::socket& s) {
        std::array<char, 4096> sink;
        s.read_some(asio::buffer(sink));
        // handshake_failure (40): what a server says when it shares no cipher with the client.
        static constexpr std::array<unsigned char, 7> kHandshakeFailure{21, 3, 3, 0, 2, 2, 40};
        asio::write(s, asio::buffer(kHandshakeFailure));
        s.shutdown(tcp::socket::shutdown_send);
    });
    try {
        fetchFrom(server.url());
        ADD_FAILURE() << "no failure";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("handshake failure"), std::string::npos) << e.what();
    }
}
