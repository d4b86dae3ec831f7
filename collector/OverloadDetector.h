#pragma once
#include <chrono>
#include <mutex>

namespace mamori::collector {

// Whether the collector is past what its worker threads can serve, judged by how long an
// accepted connection waits before its session first runs: the queue in front of the workers,
// which a slow network does not lengthen (a branch office far away makes connections last
// longer, not wait longer). As CoDel judges a packet queue, it is overloaded when even the
// shortest wait of the last interval was over the target, so that a burst never sheds and a
// standing queue always does. Told from any thread.
class OverloadDetector {
public:
    using Clock = std::chrono::steady_clock;

    OverloadDetector(std::chrono::milliseconds target, std::chrono::milliseconds interval)
        : target_(target), interval_(interval) {}

    // A session started `wait` after its connection was accepted.
    void waited(Clock::time_point now, Clock::duration wait);
    // Whether the last full interval's shortest wait was over the target. An interval without a
    // single session (nothing admitted for a whole interval) is not overload: it lets one through
    // to be measured.
    bool overloaded(Clock::time_point now);

private:
    void roll(Clock::time_point now);  // with mutex_ held

    const Clock::duration target_, interval_;
    std::mutex mutex_;
    Clock::time_point window_start_{};
    Clock::duration window_min_ = Clock::duration::max();
    bool overloaded_ = false;
};

}  // namespace mamori::collector
