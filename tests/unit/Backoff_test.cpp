// The uploader's retry pace: thousands of terminals lose the collector together (a restart, a
// network cut) and must neither hammer it on return nor wait longer than the cap.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <vector>

#include "agent/Backoff.h"

using mamori::agent::Backoff;
using namespace std::chrono_literals;

namespace {

// The largest wait after n earlier failures: min(cap, base * 2^n).
std::chrono::milliseconds ceilingAfter(unsigned n, std::chrono::milliseconds base, std::chrono::milliseconds cap) {
    return std::min(cap, base * (int64_t{1} << std::min(n, 40u)));
}

}  // namespace

TEST(Backoff, EveryWaitIsWithinATenthOfItsCeilingAndTheCeiling) {
    for (uint64_t seed = 1; seed <= 50; ++seed) {
        Backoff b(500ms, 5min, seed);
        for (unsigned n = 0; n < 40; ++n) {
            const auto ceiling = ceilingAfter(n, 500ms, 5min);
            const auto wait = b.next();
            EXPECT_LE(wait, ceiling) << "seed " << seed << " failure " << n;
            EXPECT_GE(wait, ceiling / 10) << "seed " << seed << " failure " << n;  // never a busy retry
        }
    }
}

TEST(Backoff, TheFirstRetryComesWithinTheBase) {
    for (uint64_t seed = 1; seed <= 100; ++seed) {
        Backoff b(500ms, 5min, seed);
        auto wait = b.next();
        EXPECT_GE(wait, 50ms);
        EXPECT_LE(wait, 500ms);
    }
}

TEST(Backoff, WaitsGrowExponentiallyUntilTheCap) {
    // Whatever the jitter, four doublings later the shortest possible wait (ceiling / 10 * 16)
    // is longer than the longest possible one now.
    Backoff b(100ms, 1h, 7);
    std::vector<std::chrono::milliseconds> waits;
    for (int n = 0; n < 16; ++n) waits.push_back(b.next());
    for (size_t n = 0; n + 4 < waits.size(); ++n) EXPECT_GT(waits[n + 4], waits[n]) << "failure " << n;
    EXPECT_EQ(b.failures(), 16u);
}

TEST(Backoff, TheCapHoldsAfterAnyNumberOfFailures) {
    // Far past the point where base * 2^n would overflow a 64-bit count of milliseconds.
    Backoff b(500ms, 5min, 3);
    for (int n = 0; n < 10'000; ++n) {
        auto wait = b.next();
        ASSERT_LE(wait, 5min) << "failure " << n;
        ASSERT_GE(wait, ceilingAfter(n, 500ms, 5min) / 10) << "failure " << n;  // at the cap: 30 s
    }
    EXPECT_EQ(b.failures(), 10'000u);
}

TEST(Backoff, ACapBelowTheBaseWins) {
    Backoff b(10s, 2s, 5);
    for (int n = 0; n < 10; ++n) {
        auto wait = b.next();
        EXPECT_LE(wait, 2s);
        EXPECT_GE(wait, 200ms);
    }
}

TEST(Backoff, ResetStartsOverFromTheBase) {
    Backoff b(500ms, 5min, 11);
    for (int n = 0; n < 12; ++n) b.next();
    EXPECT_EQ(b.failures(), 12u);
    b.reset();
    EXPECT_EQ(b.failures(), 0u);
    auto wait = b.next();
    EXPECT_LE(wait, 500ms);
    EXPECT_GE(wait, 50ms);
    EXPECT_EQ(b.failures(), 1u);
    // ... and grows again from there.
    EXPECT_LE(b.next(), 1s);
}

TEST(Backoff, TheSameSeedGivesTheSameWaits) {
    Backoff a(500ms, 5min, 42), b(500ms, 5min, 42);
    for (int n = 0; n < 20; ++n) EXPECT_EQ(a.next(), b.next());
}

TEST(Backoff, TerminalsThatFailedTogetherDoNotRetryTogether) {
    // A thousand terminals, each with its own seed, after the same three failures: their fourth
    // retries spread over the window instead of landing on the same millisecond.
    std::set<int64_t> distinct;
    int64_t lowest = INT64_MAX, highest = 0;
    for (uint64_t seed = 1; seed <= 1000; ++seed) {
        Backoff b(500ms, 5min, seed * 0x9E3779B97F4A7C15ull);
        for (int n = 0; n < 3; ++n) b.next();
        auto wait = b.next().count();  // ceiling 4 s
        distinct.insert(wait);
        lowest = std::min(lowest, wait);
        highest = std::max(highest, wait);
    }
    EXPECT_GT(distinct.size(), 500u);
    EXPECT_LT(lowest, 800);    // the window's first fifth is used ...
    EXPECT_GT(highest, 3600);  // ... and its last tenth
}

TEST(Backoff, SeedsFromTheDefaultSourceDiffer) {
    // The default seed comes from std::random_device: two agents never share a sequence.
    std::set<int64_t> firsts;
    for (int i = 0; i < 20; ++i) {
        Backoff b(1h, 1h);
        firsts.insert(b.next().count());
    }
    EXPECT_GT(firsts.size(), 15u);
}

TEST(Backoff, ABusyServerIsWaitedForAsItAsksAndTheFleetIsSpreadOverAsLongAgain) {
    std::set<int64_t> seconds_seen;
    for (uint64_t seed = 1; seed <= 200; ++seed) {
        Backoff b(500ms, 5min, seed);
        const auto wait = b.busy(10s);
        EXPECT_GE(wait, 10s) << "never before the time the server asked for";
        EXPECT_LE(wait, 20s);
        EXPECT_EQ(b.failures(), 1u) << "new events wait for it too";
        seconds_seen.insert(std::chrono::duration_cast<std::chrono::seconds>(wait).count());
    }
    // 200 terminals turned away together come back over the ten seconds, not in one of them.
    EXPECT_GE(seconds_seen.size(), 8u);
}
