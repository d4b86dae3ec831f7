#pragma once
#include <chrono>
#include <cstdint>
#include <random>

namespace mamori::agent {

// Jittered exponential back-off ("full jitter"): after n failures wait a uniform random time in
// [0, min(cap, base * 2^n)]. Thousands of terminals that lost the collector together do not
// come back together.
class Backoff {
public:
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed = std::random_device{}())
        : base_(base), cap_(cap), rng_(seed) {}

    std::chrono::milliseconds next();
    // A server that answered busy and said when to come back: at least that long, spread over as
    // long again, so that a fleet it turned away together does not return together. Counts as a
    // failure (new events wait for it too).
    std::chrono::milliseconds busy(std::chrono::seconds retry_after);
    void reset() { failures_ = 0; }
    unsigned failures() const { return failures_; }

private:
    std::chrono::milliseconds base_, cap_;
    std::mt19937_64 rng_;
    unsigned failures_ = 0;
};

}  // namespace mamori::agent
