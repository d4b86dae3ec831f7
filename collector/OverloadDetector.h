#pragma once
#include <chrono>
#include <mutex>

namespace mamori::collector {

// Whether the collector is past what its worker threads can serve, judged by how long work waits
// in the queue in front of them (a QueueDelayProbe measures it), which a slow network does not
// lengthen: a branch office far away makes connections last longer, not wait longer. As CoDel
// judges a packet queue, it is overloaded when even the shortest wait of the last interval was
// over the target, so that a burst never sheds and a standing queue always does. A stall (every
// worker held, by a disk or the scheduler) is overload once it lasts `stall`: what queued
// meanwhile is more than that much work, and is shed rather than served late; a shorter one is
// only served late. Told from any thread.
class OverloadDetector {
public:
    using Clock = std::chrono::steady_clock;

    OverloadDetector(std::chrono::milliseconds target, std::chrono::milliseconds interval,
                     std::chrono::milliseconds stall)
        : target_(target), interval_(interval), stall_(stall) {}

    // Work that was due `waited` before `now` ran at `now`.
    void sample(Clock::time_point now, Clock::duration waited);
    // Whether the queue stands: the last full interval's shortest wait was over the target, or a
    // stall is under way (no sample for `stall`: the probe is stuck in the queue itself) or ended
    // within the current interval (a sample that waited `stall`). Never before the first sample.
    bool overloaded(Clock::time_point now);

    // A connection taken from the kernel's listen backlog, where it waited `waited`
    // (common::AcceptedConnection): whether to turn it away. That queue is in front of the probe's, which
    // cannot see it: past capacity the accept loop keeps taking connections while thousands wait
    // behind them, each already as late as the backlog is long. As CoDel drops packets: once every
    // connection taken for a whole interval had waited over the target, the backlog stands, and
    // each that waited over the target is turned away while one that waited less is served; it
    // stands until an interval goes by without a late one. A single late connection (a worker
    // held for a moment) is served.
    bool late(Clock::time_point now, Clock::duration waited);
    Clock::duration target() const { return target_; }

private:
    void roll(Clock::time_point now);  // with mutex_ held

    const Clock::duration target_, interval_, stall_;
    std::mutex mutex_;
    Clock::time_point window_start_{}, last_sample_{};
    Clock::duration window_min_ = Clock::duration::max();
    bool overloaded_ = false;
    // The backlog's judgement: since when every connection taken waited over the target (none:
    // the last one did not), when the last late one was taken, and whether the backlog stands.
    Clock::time_point late_run_since_{}, last_late_{};
    bool backlog_stands_ = false;
};

}  // namespace mamori::collector
