// What `mamori-agent status` exits with, so a monitoring check needs nothing but the exit code.
#include <gtest/gtest.h>

#include "agent/AgentStatus.h"

using mamori::agent::AgentStatus;

TEST(AgentStatus, HealthIsEnrolledThenRunningThenHeardFromWithinTheHeartbeat) {
    constexpr int64_t kNow = 1'796'000'000;
    AgentStatus s;
    std::string en, ja;
    EXPECT_EQ(s.health(true, kNow, en, ja), AgentStatus::kNotEnrolled);
    EXPECT_NE(en.find("not enrolled"), std::string::npos);
    s.enrolled = true;
    EXPECT_EQ(s.health(false, kNow, en, ja), AgentStatus::kNotRunning);
    EXPECT_EQ(s.health(true, kNow, en, ja), AgentStatus::kNotReporting) << "never synced";
    EXPECT_NE(en.find("has not reached the collector yet"), std::string::npos) << en;
    s.last_sync_unix = kNow - 59 * 60;
    en.clear();
    EXPECT_EQ(s.health(true, kNow, en, ja), AgentStatus::kHealthy) << "60 minutes when the policy says nothing";
    EXPECT_TRUE(en.empty());
    s.heartbeat_minutes = 30;
    s.last_error = "connection refused";
    EXPECT_EQ(s.health(true, kNow, en, ja), AgentStatus::kNotReporting);
    EXPECT_NE(en.find("no sync with the collector for over 30 minutes (the heartbeat): connection refused"),
              std::string::npos)
        << en;
    EXPECT_NE(ja.find("30 分以上"), std::string::npos);
}
