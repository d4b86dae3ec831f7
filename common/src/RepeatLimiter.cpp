#include "mamori/common/RepeatLimiter.h"

#include <iterator>
#include <utility>

namespace mamori::common {

RepeatLimiter::Verdict RepeatLimiter::admit(int level, std::string_view text, Clock::time_point now) {
    std::string key = std::to_string(level);
    key += ' ';
    key += text;
    auto it = seen_.find(key);
    if (it != seen_.end()) {
        Seen& s = it->second;
        if (now - s.written < interval_) {
            ++s.held_back;
            return {false, 0};
        }
        const uint64_t held_back = std::exchange(s.held_back, 0);
        s.written = now;
        return {true, held_back};
    }
    if (seen_.size() >= kMaxRemembered) forgetExpired(now);
    // Still full of texts written within the interval: this one is let through unremembered.
    if (seen_.size() < kMaxRemembered) seen_.emplace(std::move(key), Seen{now, 0});
    return {true, 0};
}

void RepeatLimiter::forgetExpired(Clock::time_point now) {
    for (auto it = seen_.begin(); it != seen_.end();)
        it = now - it->second.written >= interval_ ? seen_.erase(it) : std::next(it);
}

}  // namespace mamori::common
