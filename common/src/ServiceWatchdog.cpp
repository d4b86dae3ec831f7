#include "mamori/common/ServiceWatchdog.h"

#include "mamori/common/ServiceNotifier.h"

namespace mamori::common {

ServiceWatchdog::ServiceWatchdog(boost::asio::any_io_executor executor)
    : timer_(std::move(executor)), interval_(ServiceNotifier::watchdogInterval()) {}

void ServiceWatchdog::start() {
    if (!interval_) return;
    ServiceNotifier::watchdog();
    schedule();
}

void ServiceWatchdog::stop() { timer_.cancel(); }

void ServiceWatchdog::schedule() {
    timer_.expires_after(*interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        ServiceNotifier::watchdog();
        schedule();
    });
}

}  // namespace mamori::common
