// When the collector sheds new connections: only while the queue in front of its workers stands,
// never for a burst, at once when a probe is stuck behind it, and never for long after it is gone.
#include <gtest/gtest.h>

#include "collector/OverloadDetector.h"

using mamori::collector::OverloadDetector;
using namespace std::chrono_literals;
using Clock = OverloadDetector::Clock;

namespace {

// Samples every 10 ms over `span`, each having waited `wait`; returns the time after the last.
Clock::time_point samples(OverloadDetector& d, Clock::time_point t, Clock::duration span, Clock::duration wait) {
    for (const auto end = t + span; t < end; t += 10ms) d.sample(t, wait);
    return t;
}

const auto kStart = Clock::time_point{} + 1s;

}  // namespace

TEST(OverloadDetector, NeverBeforeTheFirstSample) {
    OverloadDetector d(20ms, 100ms, 1s);
    EXPECT_FALSE(d.overloaded(kStart));
    EXPECT_FALSE(d.overloaded(kStart + 10s)) << "a collector whose probe never ran is not judged";
}

TEST(OverloadDetector, AShortQueueIsNeverOverload) {
    OverloadDetector d(20ms, 100ms, 1s);
    auto t = samples(d, kStart, 1s, 5ms);
    EXPECT_FALSE(d.overloaded(t));
}

TEST(OverloadDetector, ABurstIsNotOverloadWhileOneSampleInTheIntervalWaitedLittle) {
    OverloadDetector d(20ms, 100ms, 1s);
    auto t = kStart;
    for (int i = 0; i < 5; ++i) {
        d.sample(t, 2ms);  // the queue empties once in each interval
        t = samples(d, t + 10ms, 90ms, 80ms);
        EXPECT_FALSE(d.overloaded(t)) << "interval " << i;
    }
}

TEST(OverloadDetector, AStandingQueueIsOverloadFromTheNextIntervalAndEndsWithIt) {
    OverloadDetector d(20ms, 100ms, 1s);
    auto t = samples(d, kStart, 300ms, 5ms);
    t = samples(d, t, 100ms, 30ms);  // every sample of a whole interval waited over the target
    EXPECT_TRUE(d.overloaded(t + 1ms));
    t = samples(d, t, 200ms, 40ms);
    EXPECT_TRUE(d.overloaded(t + 1ms)) << "still standing";
    t = samples(d, t, 100ms, 3ms);  // short again for a whole interval
    EXPECT_FALSE(d.overloaded(t + 1ms));
}

TEST(OverloadDetector, AStallOfASecondIsOverloadUntilTheIntervalAfterItAndAShorterOneIsNot) {
    OverloadDetector d(20ms, 100ms, 1s);
    auto t = samples(d, kStart, 300ms, 5ms);
    d.sample(t, 400ms);  // every worker held for 400 ms: what waited is served late, not shed
    EXPECT_FALSE(d.overloaded(t));
    t = samples(d, t + 10ms, 300ms, 3ms);
    d.sample(t, 1s);  // held for a second (a disk that stalled): what queued meanwhile is shed
    EXPECT_TRUE(d.overloaded(t));
    t = samples(d, t + 10ms, 200ms, 3ms);
    EXPECT_FALSE(d.overloaded(t + 1ms)) << "the queue is gone";
}

TEST(OverloadDetector, AProbeStuckBehindTheQueueIsOverloadBeforeItReports) {
    OverloadDetector d(20ms, 100ms, 1s);
    auto t = samples(d, kStart, 300ms, 5ms);
    EXPECT_FALSE(d.overloaded(t + 900ms)) << "held for less than a second so far";
    EXPECT_TRUE(d.overloaded(t + 1100ms)) << "the probe itself waits in the queue";
    d.sample(t + 1101ms, 1ms);  // it ran at last, hardly late: whatever held it has gone
    t = samples(d, t + 1111ms, 100ms, 1ms);
    EXPECT_FALSE(d.overloaded(t + 1ms));
}

// The listen backlog, judged per connection as it is taken: only once every connection of a whole
// interval had waited over the target; then those that waited over it are turned away and those
// that did not are served, until an interval goes by without a late one.
TEST(OverloadDetector, OneLateConnectionIsServed) {
    OverloadDetector d(20ms, 100ms, 1s);
    EXPECT_FALSE(d.late(kStart, 500ms)) << "a worker held for a moment";
    EXPECT_FALSE(d.late(kStart + 1ms, 5ms));
    EXPECT_FALSE(d.late(kStart + 2ms, 500ms)) << "a fresh connection between ends the run";
}

TEST(OverloadDetector, ABacklogThatStandsAnIntervalTurnsAwayTheLateAndServesTheFresh) {
    OverloadDetector d(20ms, 100ms, 1s);
    auto t = kStart;
    for (; t < kStart + 100ms; t += 10ms) EXPECT_FALSE(d.late(t, 30ms)) << "before a whole interval";
    EXPECT_TRUE(d.late(t, 30ms));
    EXPECT_FALSE(d.late(t + 1ms, 20ms)) << "waited no more than the target";
    EXPECT_TRUE(d.late(t + 2ms, 25ms)) << "a fresh one does not end a standing backlog";
    // Until an interval passes without a late connection: the last was at t + 2 ms.
    for (auto f = t + 10ms; f < t + 100ms; f += 10ms) EXPECT_FALSE(d.late(f, 1ms));
    EXPECT_TRUE(d.late(t + 95ms, 30ms)) << "within the interval after the last late one";
    EXPECT_FALSE(d.late(t + 195ms, 1ms));
    EXPECT_FALSE(d.late(t + 196ms, 30ms)) << "an interval without a late one: the backlog no longer stands";
}

TEST(OverloadDetector, TheBacklogIsJudgedApartFromTheWorkersQueue) {
    OverloadDetector d(20ms, 100ms, 1s);
    auto t = samples(d, kStart, 300ms, 5ms);
    for (auto end = t + 200ms; t < end; t += 10ms) d.late(t, 50ms);
    EXPECT_TRUE(d.late(t, 50ms));
    EXPECT_FALSE(d.overloaded(t)) << "the workers keep up: a connection that waited little is served";
}
