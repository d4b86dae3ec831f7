#include "collector/LatencyHistogram.h"

#include <algorithm>

namespace mamori::collector {

void LatencyHistogram::observe(std::chrono::steady_clock::duration took) {
    const auto us = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(took).count());
    const double seconds = static_cast<double>(us) / 1e6;
    const size_t bucket = static_cast<size_t>(std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin());
    counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(static_cast<uint64_t>(us), std::memory_order_relaxed);
}

void LatencyHistogram::write(common::PrometheusText& out, const std::string& name,
                             const common::PrometheusText::Labels& labels) const {
    // The count is the +Inf bucket as read here, so the two agree even while requests are
    // being counted (the sum may be a request ahead).
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kBounds.size(); ++i) {
        cumulative += counts_[i].load(std::memory_order_relaxed);
        auto with_le = labels;
        with_le.emplace_back("le", i < kBounds.size() ? common::PrometheusText::number(kBounds[i]) : "+Inf");
        out.sample(name + "_bucket", with_le, static_cast<double>(cumulative));
    }
    out.sample(name + "_sum", labels, static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
    out.sample(name + "_count", labels, static_cast<double>(cumulative));
}

}  // namespace mamori::collector
