#include "agent/Backoff.h"

#include <algorithm>

namespace mamori::agent {

std::chrono::milliseconds Backoff::next() {
    unsigned shift = std::min(failures_, 30u);
    ++failures_;
    auto ceiling = std::min<int64_t>(cap_.count(), base_.count() << shift);
    std::uniform_int_distribution<int64_t> pick(ceiling / 10, ceiling);  // never a busy retry
    return std::chrono::milliseconds(pick(rng_));
}

std::chrono::milliseconds Backoff::busy(std::chrono::seconds retry_after) {
    ++failures_;
    const int64_t floor = std::chrono::duration_cast<std::chrono::milliseconds>(retry_after).count();
    std::uniform_int_distribution<int64_t> pick(floor, 2 * floor);
    return std::chrono::milliseconds(pick(rng_));
}

}  // namespace mamori::agent
