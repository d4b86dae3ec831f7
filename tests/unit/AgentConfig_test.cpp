#include "agent/AgentConfig.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

using mamori::agent::AgentConfig;

// The journal's cap: the policy's where it sets one, else the terminal's own agent.conf value.
TEST(AgentConfig, JournalCapIsThePolicysWhereItSetsOne) {
    AgentConfig c;
    c.journal_max_bytes = 4096;
    mamori::v1::ReportingPolicy reporting;
    EXPECT_EQ(c.journalCap(reporting), 4096u);
    reporting.set_journal_max_bytes(1ull << 20);
    EXPECT_EQ(c.journalCap(reporting), 1ull << 20);
}

// log_level is one of four words; anything else stops the agent, naming file:line and the words.
TEST(AgentConfig, LogLevelIsOneOfFourWords) {
    const auto file = std::filesystem::temp_directory_path() / ("agent-" + std::to_string(getpid()) + ".conf");
    std::ofstream(file) << "log_level = warning\n";
    EXPECT_EQ(AgentConfig::load(file).log_level, "warning");
    std::ofstream(file) << "# agent\nlog_level = verbose\n";
    try {
        AgentConfig::load(file);
        ADD_FAILURE() << "log_level = verbose accepted";
    } catch (const std::exception& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(file.string() + ":2: 'log_level' must be one of debug, info, warning, error, found 'verbose'"),
                  std::string::npos)
            << what;
        EXPECT_NE(what.find("のいずれかを指定してください"), std::string::npos) << what;
    }
    std::filesystem::remove(file);
}

// software_control is on or off; a third word stops the agent the same way, in both languages.
TEST(AgentConfig, SoftwareControlIsOnOrOff) {
    const auto file = std::filesystem::temp_directory_path() / ("agent-sw-" + std::to_string(getpid()) + ".conf");
    std::ofstream(file) << "software_control = off\n";
    EXPECT_FALSE(AgentConfig::load(file).software_control);
    std::ofstream(file) << "software_control = disabled\n";
    try {
        AgentConfig::load(file);
        ADD_FAILURE() << "software_control = disabled accepted";
    } catch (const std::exception& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(file.string() + ":1: 'software_control' must be one of on, off, found 'disabled'"),
                  std::string::npos)
            << what;
        EXPECT_NE(what.find("'software_control' には on, off のいずれかを指定してください"), std::string::npos) << what;
    }
    std::filesystem::remove(file);
}
