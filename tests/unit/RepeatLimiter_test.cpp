// The same log message at most once a minute, and the count of what was held back.
#include <gtest/gtest.h>

#include "mamori/common/Log.h"
#include "mamori/common/RepeatLimiter.h"

using mamori::common::RepeatLimiter;
using namespace std::chrono_literals;

namespace {

const RepeatLimiter::Clock::time_point t0{};

TEST(RepeatLimiter, RepeatsWithinTheIntervalAreHeldBackAndCountedAtTheNextWrite) {
    RepeatLimiter limiter(60s);
    EXPECT_TRUE(limiter.admit(2, "upload failed: refused", t0).write);
    for (int i = 1; i <= 5; ++i) EXPECT_FALSE(limiter.admit(2, "upload failed: refused", t0 + i * 10s).write);
    const auto next = limiter.admit(2, "upload failed: refused", t0 + 60s);
    EXPECT_TRUE(next.write);
    EXPECT_EQ(next.held_back, 5u);
    // The interval counts from that write, and the count starts again.
    EXPECT_FALSE(limiter.admit(2, "upload failed: refused", t0 + 119s).write);
    const auto after = limiter.admit(2, "upload failed: refused", t0 + 120s);
    EXPECT_TRUE(after.write);
    EXPECT_EQ(after.held_back, 1u);
}

TEST(RepeatLimiter, OtherTextsAndOtherLevelsAreNotRepeats) {
    RepeatLimiter limiter(60s);
    EXPECT_TRUE(limiter.admit(2, "a", t0).write);
    EXPECT_TRUE(limiter.admit(2, "b", t0).write);
    EXPECT_TRUE(limiter.admit(3, "a", t0).write);
    EXPECT_FALSE(limiter.admit(2, "a", t0 + 1s).write);
    const auto quiet = limiter.admit(2, "a", t0 + 10min);
    EXPECT_TRUE(quiet.write);
    EXPECT_EQ(quiet.held_back, 1u);
}

TEST(RepeatLimiter, AFloodOfDistinctTextsIsWrittenAndRemembersNoMoreThanItsCap) {
    RepeatLimiter limiter(60s);
    for (size_t i = 0; i < 3 * RepeatLimiter::kMaxRemembered; ++i)
        EXPECT_TRUE(limiter.admit(1, "connection from 10.0.0." + std::to_string(i), t0).write);
    // Those it remembered are still held back; a minute later the table makes room again.
    EXPECT_FALSE(limiter.admit(1, "connection from 10.0.0.0", t0 + 1s).write);
    EXPECT_TRUE(limiter.admit(1, "something new", t0 + 61s).write);
    EXPECT_FALSE(limiter.admit(1, "something new", t0 + 62s).write);
}

TEST(LogLevel, NamesAreTheConfigurationsWords) {
    EXPECT_EQ(mamori::Log::levelNamed("debug"), mamori::Log::Level::Debug);
    EXPECT_EQ(mamori::Log::levelNamed("info"), mamori::Log::Level::Info);
    EXPECT_EQ(mamori::Log::levelNamed("warning"), mamori::Log::Level::Warn);
    EXPECT_EQ(mamori::Log::levelNamed("error"), mamori::Log::Level::Error);
    EXPECT_FALSE(mamori::Log::levelNamed("warn"));
    EXPECT_FALSE(mamori::Log::levelNamed("INFO"));
}

}  // namespace
