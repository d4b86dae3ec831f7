#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "agent/ClockWatch.h"
#include "fakes/ManualClock.h"
#include "fakes/ManualWallAlarm.h"
#include "tests/support/JournalProbe.h"

namespace {

namespace v1 = mamori::v1;
using mamori::platform::WallAlarm;

class ClockWatchTest : public ::testing::Test {
protected:
    ClockWatchTest() {
        auto alarm = std::make_unique<mamori::test::ManualWallAlarm>();
        alarm_ = alarm.get();
        watch_ = std::make_unique<mamori::agent::ClockWatch>(
            mamori::agent::ControlContext{io_.get_executor(), probe_.sink(), clock_, config_}, std::move(alarm));
        policy_.mutable_reporting()->set_clock_tolerance_seconds(2);
    }
    void tick() {
        clock_.runTo(*alarm_->when());
        alarm_->fire(WallAlarm::Wake::Due);
    }
    size_t unsynced() const { return probe_.events(v1::CLOCK_UNSYNCED).size(); }

    boost::asio::io_context io_;
    mamori::test::ManualClock clock_;
    mamori::test::JournalProbe probe_{clock_};
    mamori::agent::AgentConfig config_;
    mamori::test::ManualWallAlarm* alarm_;
    std::unique_ptr<mamori::agent::ClockWatch> watch_;
    v1::Policy policy_;
};

TEST_F(ClockWatchTest, SynchronisedClockIsNotReported) {
    clock_.setSync(true, 500);
    watch_->apply(policy_);
    tick();
    EXPECT_EQ(unsynced(), 0u);
    EXPECT_EQ(*alarm_->when(), clock_.now() + mamori::agent::ClockWatch::kCheckInterval);
}

TEST_F(ClockWatchTest, UnsynchronisedIsReportedOncePerEpisode) {
    clock_.setSync(false, 16'000'000);
    watch_->apply(policy_);
    tick();
    tick();
    ASSERT_EQ(unsynced(), 1u);
    auto e = probe_.events(v1::CLOCK_UNSYNCED)[0];
    EXPECT_TRUE(e.violation());
    EXPECT_EQ(e.control(), v1::AGENT);
    EXPECT_FALSE(e.clock().synchronized());
    EXPECT_EQ(e.clock().estimated_error_us(), 16'000'000);

    clock_.setSync(true, 1000);
    tick();
    EXPECT_EQ(unsynced(), 1u);
    clock_.setSync(false, 16'000'000);
    tick();
    EXPECT_EQ(unsynced(), 2u);
}

// The skew is the collector's to measure and judge; the kernel's own error estimate, however
// large, is not the tolerance's quantity.
TEST_F(ClockWatchTest, LargeErrorEstimateOfASynchronisedClockIsNotReported) {
    clock_.setSync(true, 2'500'000);  // tolerance 2 s in the policy
    watch_->apply(policy_);
    tick();
    EXPECT_EQ(unsynced(), 0u);
}

TEST_F(ClockWatchTest, ClockStepIsCheckedAtOnce) {
    clock_.setSync(true, 1000);
    watch_->apply(policy_);
    clock_.setSync(false, 16'000'000);
    alarm_->fire(WallAlarm::Wake::ClockChanged);
    EXPECT_EQ(unsynced(), 1u);
}

}  // namespace
