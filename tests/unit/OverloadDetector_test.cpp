// When the collector sheds new connections: only a standing queue in front of its workers, never
// a burst, and never for long after the queue is gone.
#include <gtest/gtest.h>

#include "collector/OverloadDetector.h"

using mamori::collector::OverloadDetector;
using namespace std::chrono_literals;
using Clock = OverloadDetector::Clock;

namespace {

// Sessions every 10 ms over `span`, each having waited `wait`; returns the time after the last.
Clock::time_point sessions(OverloadDetector& d, Clock::time_point t, Clock::duration span, Clock::duration wait) {
    for (const auto end = t + span; t < end; t += 10ms) d.waited(t, wait);
    return t;
}

}  // namespace

TEST(OverloadDetector, AShortQueueIsNeverOverload) {
    OverloadDetector d(20ms, 100ms);
    auto t = sessions(d, Clock::time_point{} + 1s, 1s, 5ms);
    EXPECT_FALSE(d.overloaded(t));
}

TEST(OverloadDetector, ABurstIsNotOverloadWhileOneSessionInTheIntervalWaitedLittle) {
    OverloadDetector d(20ms, 100ms);
    auto t = Clock::time_point{} + 1s;
    for (int i = 0; i < 5; ++i) {
        d.waited(t, 2ms);  // the queue empties once in each interval
        t = sessions(d, t + 10ms, 90ms, 80ms);
    }
    EXPECT_FALSE(d.overloaded(t));
}

TEST(OverloadDetector, AStandingQueueIsOverloadFromTheNextIntervalAndEndsWithIt) {
    OverloadDetector d(20ms, 100ms);
    auto t = sessions(d, Clock::time_point{} + 1s, 300ms, 5ms);
    t = sessions(d, t, 100ms, 30ms);  // every session of a whole interval waited over the target
    EXPECT_TRUE(d.overloaded(t + 1ms));
    t = sessions(d, t, 200ms, 40ms);
    EXPECT_TRUE(d.overloaded(t + 1ms)) << "still standing";
    t = sessions(d, t, 100ms, 3ms);  // what is refused meanwhile says the queue is short again
    EXPECT_FALSE(d.overloaded(t + 1ms));
}

TEST(OverloadDetector, SilenceEndsOverload) {
    OverloadDetector d(20ms, 100ms);
    auto t = sessions(d, Clock::time_point{} + 1s, 200ms, 50ms);
    EXPECT_TRUE(d.overloaded(t + 1ms));
    EXPECT_FALSE(d.overloaded(t + 150ms)) << "an interval without a session lets the next one through";
    EXPECT_FALSE(d.overloaded(t + 10s));
}
