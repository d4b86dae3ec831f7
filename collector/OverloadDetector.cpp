#include "collector/OverloadDetector.h"

#include <algorithm>

namespace mamori::collector {

void OverloadDetector::roll(Clock::time_point now) {
    if (window_start_ == Clock::time_point{}) window_start_ = now;
    if (now - window_start_ < interval_) return;
    // The interval just ended decides; one that went by without any session, or more than one
    // interval ago, says nothing of now.
    overloaded_ = now - window_start_ < 2 * interval_ && window_min_ != Clock::duration::max() && window_min_ > target_;
    window_start_ = now;
    window_min_ = Clock::duration::max();
}

void OverloadDetector::waited(Clock::time_point now, Clock::duration wait) {
    std::lock_guard lock(mutex_);
    roll(now);
    window_min_ = std::min(window_min_, wait);
}

bool OverloadDetector::overloaded(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    roll(now);
    return overloaded_;
}

}  // namespace mamori::collector
