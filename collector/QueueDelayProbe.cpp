#include "collector/QueueDelayProbe.h"

namespace mamori::collector {

void QueueDelayProbe::start() { arm(); }

void QueueDelayProbe::arm() {
    timer_.expires_after(period_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        const auto now = OverloadDetector::Clock::now();
        detector_.sample(now, now - timer_.expiry());
        arm();
    });
}

}  // namespace mamori::collector
