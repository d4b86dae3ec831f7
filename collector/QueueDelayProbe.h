#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "collector/OverloadDetector.h"

namespace mamori::collector {

// Measures how long work waits for a worker thread of an io_context: a timer due every period,
// whose handler runs late by as long as the handlers queued before it took. Tells each delay to
// an OverloadDetector. Stops with the io_context (or stop()).
class QueueDelayProbe {
public:
    QueueDelayProbe(boost::asio::io_context& io, OverloadDetector& detector, std::chrono::milliseconds period)
        : timer_(io), detector_(detector), period_(period) {}

    void start();
    void stop() { timer_.cancel(); }

private:
    void arm();

    boost::asio::steady_timer timer_;
    OverloadDetector& detector_;
    const std::chrono::milliseconds period_;
};

}  // namespace mamori::collector
