#pragma once
// A clock the test sets: wall time, monotonic time and sync state move only when told to.
#include <date/date.h>

#include <chrono>

#include "mamori/platform/Clock.h"

namespace mamori::test {

class ManualClock final : public mamori::platform::Clock {
public:
    using TimePoint = std::chrono::system_clock::time_point;

    int64_t utcNs() const override {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(now_.time_since_epoch()).count();
    }
    int64_t monotonicNs() const override { return monotonic_ns_; }
    std::string bootId() const override { return "test-boot"; }
    mamori::platform::ClockSync syncState() const override { return sync_; }

    TimePoint now() const { return now_; }
    // The clock running: wall and monotonic time advance together.
    void advance(std::chrono::nanoseconds d) {
        now_ += std::chrono::duration_cast<TimePoint::duration>(d);
        monotonic_ns_ += d.count();
    }
    void runTo(TimePoint t) { advance(t - now_); }
    // Someone setting the clock: only the wall time moves.
    void set(TimePoint t) { now_ = t; }
    void setSync(bool synchronized, int64_t error_us) { sync_ = {synchronized, error_us}; }

private:
    TimePoint now_ = date::sys_days{date::year{2025} / 6 / 10};
    int64_t monotonic_ns_ = 1'000'000'000;
    mamori::platform::ClockSync sync_{true, 1000};
};

}  // namespace mamori::test
