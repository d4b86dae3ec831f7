// What `mamori-agent status` exits with: running, enrolled, and uploading within the heartbeat.
#include <gtest/gtest.h>

#include "agent/AgentStatus.h"

#include <fstream>

using mamori::agent::AgentStatus;

namespace {

const int64_t kNow = 1'800'000'000;

AgentStatus enrolled(int64_t last_upload, uint32_t heartbeat_minutes = 60) {
    AgentStatus s;
    s.enrolled = true;
    s.terminal_id = "pc-001";
    s.last_upload_unix = last_upload;
    s.heartbeat_minutes = heartbeat_minutes;
    return s;
}

TEST(AgentStatusHealth, NotRunningComesFirst) {
    const auto h = enrolled(kNow).health(std::nullopt, kNow);
    EXPECT_EQ(h.exit_code, AgentStatus::kNotRunning);
    EXPECT_NE(h.english.find("not running"), std::string::npos);
    EXPECT_NE(h.japanese.find("動作していません"), std::string::npos);
}

TEST(AgentStatusHealth, RunningUnenrolledIsSaid) {
    EXPECT_EQ(AgentStatus{}.health(4242, kNow).exit_code, AgentStatus::kNotEnrolled);
    EXPECT_NE(AgentStatus{}.health(4242, kNow).english.find("(pid 4242) but not enrolled"), std::string::npos);
}

TEST(AgentStatusHealth, ReportingMeansAnUploadWithinTheHeartbeatAndItsGrace) {
    const int64_t limit = 60 * 60 + AgentStatus::kUploadGraceSeconds;
    EXPECT_EQ(enrolled(kNow - limit).health(1, kNow).exit_code, AgentStatus::kReporting);
    EXPECT_EQ(enrolled(kNow - limit - 1).health(1, kNow).exit_code, AgentStatus::kNotReporting);
    EXPECT_NE(enrolled(kNow - limit - 1).health(1, kNow).english.find("older than its 60-minute heartbeat"),
              std::string::npos);
    // A policy's shorter heartbeat is the measure.
    EXPECT_EQ(enrolled(kNow - 10 * 60, 5).health(1, kNow).exit_code, AgentStatus::kNotReporting);
    EXPECT_EQ(enrolled(0).health(1, kNow).exit_code, AgentStatus::kNotReporting);
    EXPECT_NE(enrolled(0).health(1, kNow).english.find("no upload has succeeded since it started"), std::string::npos);
}

// Written and read back; a file from before the field existed reads as an hour.
TEST(AgentStatusHealth, TheHeartbeatIsKeptInTheStatusFile) {
    const auto dir = std::filesystem::temp_directory_path() / ("status-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" + std::to_string(kNow));
    std::filesystem::create_directories(dir);
    enrolled(kNow, 15).save(dir);
    EXPECT_EQ(AgentStatus::load(dir).heartbeat_minutes, 15u);
    std::ofstream(dir / "status.conf") << "enrolled = yes\n";
    EXPECT_EQ(AgentStatus::load(dir).heartbeat_minutes, 60u);
    std::filesystem::remove_all(dir);
}

}  // namespace
