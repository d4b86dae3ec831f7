#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mamori::common {

// Lets the same message (same level and text) through at most once per interval, and counts
// what it held back, so that one failure repeated every second (an unreachable collector, a
// client retrying a refused request) is one log line a minute, not sixty. The caller passes the
// time, so that tests drive the clock.
//
// Held-back repeats are reported when the message next gets through; a message never seen again
// takes its count with it. Texts are remembered for an interval only, and never more than
// kMaxRemembered at once: a flood of distinct texts is not a repeat, and must not grow memory.
class RepeatLimiter {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr size_t kMaxRemembered = 1024;

    struct Verdict {
        bool write = false;         // let this one through
        uint64_t held_back = 0;     // when it is let through: repeats held back since it last was
    };

    explicit RepeatLimiter(Clock::duration interval) : interval_(interval) {}

    Verdict admit(int level, std::string_view text, Clock::time_point now);

private:
    struct Seen {
        Clock::time_point written;
        uint64_t held_back = 0;
    };
    void forgetExpired(Clock::time_point now);

    Clock::duration interval_;
    std::unordered_map<std::string, Seen> seen_;  // key: level, a space, the text
};

}  // namespace mamori::common
