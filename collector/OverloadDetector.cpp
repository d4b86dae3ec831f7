#include "collector/OverloadDetector.h"

#include <algorithm>

namespace mamori::collector {

void OverloadDetector::roll(Clock::time_point now) {
    if (window_start_ == Clock::time_point{}) window_start_ = now;
    if (now - window_start_ < interval_) return;
    // The interval just ended decides; one that went by without a sample, or that ended more
    // than an interval ago, says nothing of now (a stuck probe is judged apart).
    overloaded_ = now - window_start_ < 2 * interval_ && window_min_ != Clock::duration::max() && window_min_ > target_;
    window_start_ = now;
    window_min_ = Clock::duration::max();
}

void OverloadDetector::sample(Clock::time_point now, Clock::duration waited) {
    std::lock_guard lock(mutex_);
    roll(now);
    window_min_ = std::min(window_min_, waited);
    last_sample_ = now;
    if (waited >= stall_) overloaded_ = true;  // until this interval ends
}

bool OverloadDetector::overloaded(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (last_sample_ == Clock::time_point{}) return false;
    roll(now);
    return overloaded_ || now - last_sample_ > stall_;
}

bool OverloadDetector::late(Clock::time_point now, Clock::duration waited) {
    std::lock_guard lock(mutex_);
    if (backlog_stands_ && now - last_late_ >= interval_) backlog_stands_ = false;
    if (waited <= target_) {
        late_run_since_ = Clock::time_point{};
        return false;
    }
    if (late_run_since_ == Clock::time_point{}) late_run_since_ = now;
    last_late_ = now;
    if (now - late_run_since_ >= interval_) backlog_stands_ = true;
    return backlog_stands_;
}

}  // namespace mamori::collector
