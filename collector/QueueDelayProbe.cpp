#include "collector/QueueDelayProbe.h"

namespace mamori::collector {

void QueueDelayProbe::start() {
    // The queue is empty as the probe starts. Said at once, so that workers held before its first
    // round (a disk stalling at start) are judged as a stall like any other, not left unjudged
    // because no sample has come yet.
    detector_.sample(OverloadDetector::Clock::now(), OverloadDetector::Clock::duration::zero());
    arm();
}

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
