#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "mamori/common/PrometheusText.h"

namespace mamori::collector {

// How long requests took, in Prometheus's cumulative buckets (seconds), counted from any thread
// without a lock.
class LatencyHistogram {
public:
    static constexpr std::array<double, 12> kBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,   0.25,   0.5,   1,    2.5,   10};

    void observe(std::chrono::steady_clock::duration took);
    // The family's _bucket, _sum and _count samples, with `labels` plus le on each bucket.
    void write(common::PrometheusText& out, const std::string& name, const common::PrometheusText::Labels& labels) const;

private:
    std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};  // the last: above every bound
    std::atomic<uint64_t> sum_us_{0};
};

}  // namespace mamori::collector
