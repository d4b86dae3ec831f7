// The tests' own collector: a port that another test took between choosing it and binding it
// (tests run in parallel) moves the collector to other ports instead of failing the test.
#include "tests/support/TestCollector.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace {

using mamori::test::TestCollector;
using mamori::test::tempDir;

TEST(TestCollectorPorts, APortTakenBeforeTheStartMovesTheCollectorToOthers) {
    const auto dir = tempDir("ports");
    TestCollector collector(dir / "collector");
    const unsigned short taken = collector.agentPort(), metrics = collector.metricsPort();
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor squatter(io, {boost::asio::ip::address_v4::loopback(), taken});
    collector.start();
    EXPECT_NE(collector.agentPort(), taken);
    EXPECT_NE(collector.metricsPort(), metrics);
    EXPECT_TRUE(TestCollector::connectable(collector.agentPort()));
    EXPECT_NE(collector.logText().find("Address already in use"), std::string::npos) << "the first try met the squatter";
    // mamorictl follows: its configuration names the admin port the collector moved to.
    EXPECT_NE(collector.ctl({"terminals"}).find("terminal"), std::string::npos);
    collector.stop();
    std::filesystem::remove_all(dir);
}

// The metrics port, which `init` names, taken: the collector exits with another message, and
// moves all the same.
TEST(TestCollectorPorts, ATakenMetricsPortMovesTheCollectorToo) {
    const auto dir = tempDir("metrics-ports");
    TestCollector collector(dir / "collector");
    const unsigned short taken = collector.metricsPort();
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor squatter(io, {boost::asio::ip::address_v4::loopback(), taken});
    collector.start();
    EXPECT_NE(collector.metricsPort(), taken);
    EXPECT_TRUE(TestCollector::connectable(collector.metricsPort()));
    collector.stop();
    std::filesystem::remove_all(dir);
}

}  // namespace
