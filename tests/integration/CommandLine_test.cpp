// The three programs' command lines, run as an administrator would type them: each command has
// only its own options, a missing argument is named, usage errors exit 2, and a bare
// `mamori-agent` explains itself instead of starting a root daemon.
#include <gtest/gtest.h>

#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

TEST(CommandLine, PolicyCheckWithoutAFileExits2NamingTheMissingFile) {
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "policy", "check"}, &out), 2) << out;
    EXPECT_NE(out.find("policy check: missing the profile file (FILE)"), std::string::npos) << out;
    EXPECT_NE(out.find("プロファイルのファイルが指定されていません"), std::string::npos) << out;
    EXPECT_EQ(out.find("unknown command"), std::string::npos) << out;
}

TEST(CommandLine, BareAgentPrintsItsUsageAndExits2WithoutStartingTheDaemon) {
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamori-agent")}, &out), 2) << out;
    EXPECT_NE(out.find("Usage: mamori-agent"), std::string::npos) << out;
    EXPECT_NE(out.find("run "), std::string::npos) << out;
    EXPECT_EQ(Subprocess::run({bin("mamori-agent"), "--config", "/nonexistent/agent.conf"}, &out), 2) << out;
}

TEST(CommandLine, ViolationsHelpListsOnlyItsOwnOptions) {
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "violations", "--help"}, &out), 0) << out;
    for (const char* own : {"--today", "--date", "--section", "--control", "--format", "Examples:", "Exit status"})
        EXPECT_NE(out.find(own), std::string::npos) << own << "\n" << out;
    for (const char* other : {"--terminal", "--month", "--role", "--valid-hours", "--until", "--from", "--expiring"})
        EXPECT_EQ(out.find(other), std::string::npos) << other << "\n" << out;
}

TEST(CommandLine, UsageErrorsExit2AndTheTopLevelHelpListsEveryCommand) {
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl")}, &out), 2) << out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "violatons"}, &out), 2) << out;
    EXPECT_NE(out.find("unknown command 'violatons'"), std::string::npos) << out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "events", "--terminal", "t", "--limit", "x"}, &out), 2) << out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "violations", "--date", "2026-13-01"}, &out), 2) << out;
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "serve"}, &out), 2) << out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "--help"}, &out), 0) << out;
    for (const char* command : {"token", "terminals", "violations", "events", "export", "verify", "report", "policy",
                                "terminal", "exception", "access-log", "user", "migrate"})
        EXPECT_NE(out.find(command), std::string::npos) << command;
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "--version"}, &out), 0) << out;
}

}  // namespace
