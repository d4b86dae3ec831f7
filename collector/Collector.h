#pragma once
#include <boost/asio/io_context.hpp>
#include <memory>

#include "collector/CollectorHome.h"

namespace mamori::collector {

// A running collector: the agent endpoint (mutual TLS), the admin endpoint (HTTPS + bearer
// tokens), the store, on a small pool of threads sharing one io_context.
class Collector {
public:
    explicit Collector(const CollectorHome& home);
    ~Collector();

    // Serves until stop() or SIGTERM/SIGINT.
    void run(int threads);
    void stop();
    unsigned short agentPort() const;
    unsigned short adminPort() const;

private:
    void waitForSignal();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mamori::collector
