// How many connections the collector lets be under way at once: cut while they take longer than
// with no queue for more than a burst, grown back once they do not, measured again with little
// load while cut, never counting one that waits on its peer, timing one connection of a client at
// a time, and never out of its bounds.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "collector/AdmissionLimit.h"

using mamori::collector::AdmissionLimit;
using namespace std::chrono_literals;
using Clock = AdmissionLimit::Clock;

namespace {

const auto kStart = Clock::time_point{} + 1s;

AdmissionLimit::Settings settings(size_t initial, Clock::duration memory = 10s) {
    AdmissionLimit::Settings s;
    s.initial = initial;
    s.least = 4;
    s.most = 64;
    s.window = 100ms;
    s.memory = memory;
    s.stale = 1s;
    s.tolerance = 2.0;
    return s;
}

// Shared, as its listener holds it: the places share it.
std::shared_ptr<AdmissionLimit> made(size_t initial, Clock::duration memory = 10s) {
    return std::make_shared<AdmissionLimit>(settings(initial, memory));
}

// `rounds` rounds 10 ms apart, each trying to start `at_once` connections and answering those
// admitted `took` later; returns the time after the last, and counts the refused.
Clock::time_point traffic(AdmissionLimit& l, Clock::time_point t, int rounds, size_t at_once, Clock::duration took,
                          size_t* refused = nullptr) {
    for (int r = 0; r < rounds; ++r, t += 10ms) {
        std::vector<AdmissionLimit::Place> places;
        for (size_t i = 0; i < at_once; ++i) {
            if (auto p = l.tryStart(t)) places.push_back(std::move(p));
            else if (refused) ++*refused;
        }
        for (auto& p : places) p.answered(t + took);
    }
    return t;
}

}  // namespace

TEST(AdmissionLimit, RefusesPastTheLimitUntilOneEnds) {
    const auto l = made(4);
    std::vector<AdmissionLimit::Place> p;
    for (int i = 0; i < 4; ++i) p.push_back(l->tryStart(kStart));
    for (const auto& k : p) EXPECT_TRUE(k);
    EXPECT_FALSE(l->tryStart(kStart));
    p[0] = {};
    auto again = l->tryStart(kStart);
    EXPECT_TRUE(again) << "one ended without an answer: its place is free";
    EXPECT_FALSE(l->tryStart(kStart));
    p[1].answered(kStart + 5ms);
    EXPECT_EQ(l->underWay(kStart + 5ms), 3u);
    p[1] = {};
    EXPECT_EQ(l->underWay(kStart + 5ms), 3u) << "once answered, dropping it changes nothing";
}

TEST(AdmissionLimit, TheFirstWindowMeasuresWithLittleLoadAndNoneAgainWhileNothingQueues) {
    const auto l = made(32);
    EXPECT_EQ(l->limit(), 4u) << "measuring: the least";
    size_t refused = 0;
    auto t = traffic(*l, kStart, 11, 8, 2ms, &refused);
    EXPECT_EQ(l->limit(), 32u) << "measured: the limit it started with";
    EXPECT_EQ(refused, 11u * 4) << "while measuring, the least at once";
    refused = 0;
    traffic(*l, t, 600, 8, 2ms, &refused);
    EXPECT_EQ(refused, 0u) << "six seconds without a queue: not measured again";
    EXPECT_EQ(l->limit(), 32u) << "not used by half: not grown";
}

TEST(AdmissionLimit, AQueueStandingASecondWindowCutsTheLimitAtMostByHalfDownToTheLeast) {
    const auto l = made(32);
    auto t = traffic(*l, kStart, 30, 4, 2ms);  // no queue: 2 ms each
    t = traffic(*l, t, 11, 4, 16ms);           // eight times as long
    EXPECT_EQ(l->limit(), 32u) << "one window of it is a burst";
    t = traffic(*l, t, 10, 4, 16ms);
    EXPECT_EQ(l->limit(), 16u) << "a second one: halved, no more";
    traffic(*l, t, 50, 4, 16ms);
    EXPECT_EQ(l->limit(), 4u) << "never below the least";
}

TEST(AdmissionLimit, UpToToleranceTimesTheShortestIsNoQueue) {
    const auto l = made(32);
    auto t = traffic(*l, kStart, 30, 4, 10ms);
    t = traffic(*l, t, 30, 4, 19ms);
    EXPECT_EQ(l->limit(), 32u) << "under twice the shortest median";
    traffic(*l, t, 21, 4, 30ms);
    EXPECT_LT(l->limit(), 32u);
}

TEST(AdmissionLimit, GrowsPastWhereItStartedOnlyWhileUsedWithoutAQueueUpToTheMost) {
    const auto l = made(16);
    auto t = traffic(*l, kStart, 11, 4, 2ms);  // the first window measures
    EXPECT_EQ(l->limit(), 16u);
    t = traffic(*l, t, 11, 16, 2ms);  // all of it used, no queue
    EXPECT_EQ(l->limit(), 20u) << "16 + sqrt(16)";
    traffic(*l, t, 200, 64, 2ms);
    EXPECT_EQ(l->limit(), 64u) << "never above the most";
}

TEST(AdmissionLimit, AFarNetworkIsNoQueue) {
    // A branch office 80 ms away: every connection takes that long, however few are under way.
    const auto l = made(16);
    auto t = traffic(*l, kStart, 11, 16, 80ms);
    traffic(*l, t, 30, 16, 90ms);
    EXPECT_GE(l->limit(), 16u) << "slow alike with and without load: the network, not a queue";
}

TEST(AdmissionLimit, OnceTheQueueIsGoneGrowsBackWhereItStartedUnusedAndBeyondUsed) {
    const auto l = made(16);
    auto t = traffic(*l, kStart, 11, 4, 2ms);
    t = traffic(*l, t, 50, 16, 40ms);
    EXPECT_EQ(l->limit(), 4u);
    t = traffic(*l, t, 80, 1, 2ms);
    EXPECT_EQ(l->limit(), 16u) << "a burst after a crowd is not shed for being a burst";
    traffic(*l, t, 100, 16, 2ms);
    EXPECT_GT(l->limit(), 16u);
}

TEST(AdmissionLimit, MeasuredAgainWhileCutAndWhatWasUnderWayThenIsNoSampleOfIt) {
    // Remembers 2 s, so measures again every second while cut.
    const auto l = made(64, 2s);
    auto t = traffic(*l, kStart, 11, 4, 2ms);
    t = traffic(*l, t, 60, 4, 5ms);  // over twice 2 ms: cut by a fifth a window, from the second
    const size_t cut = l->limit();
    EXPECT_LT(cut, 64u);
    EXPECT_GT(cut, 4u);
    std::vector<AdmissionLimit::Place> crowd;
    for (int i = 0; i < 4; ++i) crowd.push_back(l->tryStart(t));
    t = traffic(*l, t, 50, 4, 5ms);  // a second since the first measurement: measuring again
    EXPECT_EQ(l->limit(), 4u);
    EXPECT_FALSE(l->tryStart(t)) << "four under way: none more while measuring";
    for (auto& k : crowd) k.answered(t + 100ms);
    EXPECT_EQ(l->limit(), 4u) << "what was under way before it began is no sample of little load";
    l->tryStart(t + 100ms).answered(t + 102ms);
    EXPECT_GT(l->limit(), 4u) << "measured: back to the limit as cut";
}

TEST(AdmissionLimit, AConnectionWaitingOnItsPeerStopsCountingButItsAnswerIsStillASample) {
    const auto l = made(4);
    std::vector<AdmissionLimit::Place> slow;
    for (int i = 0; i < 4; ++i) slow.push_back(l->tryStart(kStart));  // four clients that say nothing
    EXPECT_FALSE(l->tryStart(kStart + 500ms));
    auto fresh = l->tryStart(kStart + 1001ms);
    EXPECT_TRUE(fresh) << "a second on: they no longer count";
    EXPECT_EQ(l->underWay(kStart + 1001ms), 1u);
    fresh = {};
    // The four answer at last, over a second late: a queue that long cuts the limit, since
    // a connection slow on this side is no different from one slow on the peer's.
    auto t = traffic(*l, kStart + 1100ms, 11, 1, 2ms);
    for (auto& k : slow) k.answered(t);
    l->tryStart(t + 100ms).answered(t + 101ms);
    EXPECT_EQ(l->limit(), 4u);
    EXPECT_EQ(l->underWay(t + 101ms), 0u);
}

TEST(AdmissionLimit, OnlyOneConnectionOfAClientIsTimedAndItsOthersStillCount) {
    const auto l = made(32);
    auto t = traffic(*l, kStart, 11, 4, 2ms);  // the first window measures
    ASSERT_EQ(l->limit(), 32u);
    // Each round, two agents answered in 2 ms and one client with eight connections at once, each
    // slow on purpose (40 ms). Timed all, its times would be four in five: a queue, and a cut.
    for (int r = 0; r < 60; ++r, t += 10ms) {
        std::vector<AdmissionLimit::Place> thief, agents;
        for (int i = 0; i < 8; ++i) {
            thief.push_back(l->tryStart(t));
            ASSERT_TRUE(thief.back());
            thief.back().belongsTo("stolen-pc");
        }
        for (int i = 0; i < 2; ++i) {
            agents.push_back(l->tryStart(t));
            agents.back().belongsTo("pc-" + std::to_string(i));
        }
        ASSERT_EQ(l->underWay(t), 10u) << "its connections not timed still count";
        for (auto& a : agents) a.answered(t + 2ms);
        for (auto& k : thief) k.answered(t + 40ms);
    }
    EXPECT_EQ(l->limit(), 32u) << "one of its connections at a time is timed: no queue";
    // Once its timed connection is over, its next one is timed: alone, slow, for long, it is a queue.
    for (int r = 0; r < 60; ++r, t += 10ms) {
        auto one = l->tryStart(t);
        one.belongsTo("stolen-pc");
        one.answered(t + 40ms);
    }
    EXPECT_LT(l->limit(), 32u);
}
