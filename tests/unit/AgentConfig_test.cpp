#include "agent/AgentConfig.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <functional>

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

namespace {

// What loading `text` as agent.conf says: the value read by `read`, or the refusal. The file's path
// stands for itself in the refusal as FILE.
std::string loadOrRefusal(const std::string& text, const std::function<std::string(const AgentConfig&)>& read) {
    const auto file = std::filesystem::temp_directory_path() / ("agent-" + std::to_string(getpid()) + ".conf");
    std::ofstream(file) << text;
    std::string out;
    try {
        out = read(AgentConfig::load(file));
    } catch (const std::exception& e) {
        out = e.what();
        for (auto at = out.find(file.string()); at != std::string::npos; at = out.find(file.string()))
            out.replace(at, file.string().size(), "FILE");
    }
    std::filesystem::remove(file);
    return out;
}

}  // namespace

// log_level is one of four words; anything else stops the agent, naming file:line and the words.
TEST(AgentConfig, LogLevelIsOneOfFourWords) {
    auto level = [](const AgentConfig& c) { return c.log_level; };
    EXPECT_EQ(loadOrRefusal("log_level = warning\n", level), "warning");
    const std::string what = loadOrRefusal("# agent\nlog_level = verbose\n", level);
    EXPECT_NE(what.find("FILE:2: 'log_level' must be one of debug, info, warning, error, found 'verbose'"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("のいずれかを指定してください"), std::string::npos) << what;
}

// software_control is on or off; a third word stops the agent the same way, in both languages.
TEST(AgentConfig, SoftwareControlIsOnOrOff) {
    auto control = [](const AgentConfig& c) { return std::string(c.software_control ? "on" : "off"); };
    EXPECT_EQ(loadOrRefusal("software_control = off\n", control), "off");
    const std::string what = loadOrRefusal("software_control = disabled\n", control);
    EXPECT_NE(what.find("FILE:1: 'software_control' must be one of on, off, found 'disabled'"), std::string::npos)
        << what;
    EXPECT_NE(what.find("'software_control' には on, off のいずれかを指定してください"), std::string::npos) << what;
}
