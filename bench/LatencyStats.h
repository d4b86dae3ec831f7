#pragma once
// Latency samples of one kind of request and the figures a report quotes about them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

namespace mamori::bench {

class LatencyStats {
public:
    void add(double ms) { samples_.push_back(ms); }
    size_t count() const { return samples_.size(); }

    // Nearest-rank percentile: p99 of 200 samples is the 198th smallest, a value that was seen.
    double percentile(double p) const {
        if (samples_.empty()) return 0;
        std::vector<double> s = samples_;
        std::sort(s.begin(), s.end());
        size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(s.size())));
        return s[std::clamp<size_t>(rank, 1, s.size()) - 1];
    }
    double min() const { return samples_.empty() ? 0 : *std::min_element(samples_.begin(), samples_.end()); }
    double max() const { return samples_.empty() ? 0 : *std::max_element(samples_.begin(), samples_.end()); }
    double mean() const {
        return samples_.empty() ? 0 : std::accumulate(samples_.begin(), samples_.end(), 0.0) / samples_.size();
    }

    std::string summary() const {
        char line[160];
        std::snprintf(line, sizeof line, "n=%zu  p50 %.2f ms  p99 %.2f ms  (min %.2f, mean %.2f, max %.2f)", count(),
                      percentile(50), percentile(99), min(), mean(), max());
        return line;
    }

private:
    std::vector<double> samples_;
};

}  // namespace mamori::bench
