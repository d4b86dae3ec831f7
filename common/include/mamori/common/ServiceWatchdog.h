#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>

namespace mamori::common {

// Pings the service manager's watchdog (ServiceNotifier::watchdog) from a timer on the daemon's
// own io_context, at half the interval systemd allows (WatchdogSec=): the pings stop when the
// loop that does the daemon's work stops turning, and systemd restarts it. Does nothing when no
// watchdog is set.
class ServiceWatchdog {
public:
    explicit ServiceWatchdog(boost::asio::any_io_executor executor);
    void start();
    void stop();

private:
    void schedule();

    boost::asio::steady_timer timer_;
    std::optional<std::chrono::microseconds> interval_;
};

}  // namespace mamori::common
