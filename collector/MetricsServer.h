#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "collector/CollectorMetrics.h"

namespace mamori::collector {

// Plain HTTP for monitoring, on a listener of its own (metrics_listen, loopback by default):
// GET /metrics in Prometheus's text format and GET /healthz ("ok" or 503, nothing more). It
// takes no credentials, so it serves nothing that names a terminal or a person, and it is
// bounded like the other listeners: a few connections, a short deadline, a small header, no
// body.
class MetricsServer {
public:
    static constexpr std::size_t kMaxConnections = 16;
    static constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
    static constexpr std::chrono::seconds kRequestTimeout{10};

    MetricsServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& at, CollectorMetrics& metrics);
    ~MetricsServer();

    void start();
    void stop();
    unsigned short port() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace mamori::collector
