// The three programs' command lines, run as an administrator would type them: each command has
// only its own options, a missing argument is named, usage errors exit 2, and a bare
// `mamori-agent` explains itself instead of starting a root daemon.
#include <gtest/gtest.h>

#include <csignal>

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
                                "terminal", "exception", "access-log", "user"})
        EXPECT_NE(out.find(command), std::string::npos) << command;
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "--version"}, &out), 0) << out;
}

// A date that does not exist is refused by every option that takes one, before anything is sent:
// 2026-02-30 and 2026-2-3 once passed the check and reached the collector as another date or none.
TEST(CommandLine, ImpossibleDatesAreUsageErrorsInEveryDateOption) {
    const std::vector<std::vector<std::string>> commands = {
        {"violations", "--date", "D"},
        {"events", "--terminal", "t", "--since", "D"},
        {"access-log", "--since", "D"},
        {"export", "--terminal", "t", "--from", "D", "--to", "2026-12-31", "out"},
        {"export", "--terminal", "t", "--from", "2026-01-01", "--to", "D", "out"},
        {"exception", "request", "--terminal", "t", "--control", "hours", "--hours-extension", "--until", "D",
         "--reason", "r"},
    };
    for (const char* date : {"2026-13-01", "2026-02-30", "2026-2-3", "2026-11-01x", "today"}) {
        for (auto args : commands) {
            for (auto& a : args)
                if (a == "D") a = date;
            args.insert(args.begin(), {bin("mamorictl"), "--config", "/nonexistent/mamorictl.conf"});
            std::string out;
            EXPECT_EQ(Subprocess::run(args, &out), 2) << args[3] << " " << date << ": " << out;
            EXPECT_NE(out.find("is not a date that exists"), std::string::npos) << out;
            EXPECT_NE(out.find("実在する日付ではありません"), std::string::npos) << out;
        }
    }
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "report", "monthly", "--month", "2026-13"}, &out), 2) << out;
    EXPECT_NE(out.find("is not a month, YYYY-MM"), std::string::npos) << out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "--lang", "fr", "terminals"}, &out), 2) << out;
}

// A listen address the kernel would read as another port, or a zone the tz database does not
// know, is refused by `init` before any key is made, and by `run` when collector.conf has it.
// The README's first steps: the collector named for the terminals, then mamorictl on its own
// machine with the mamorictl.conf init wrote, which reaches it at 127.0.0.1.
TEST(CommandLine, ACollectorNamedForTheNetworkAnswersMamorictlOnItsOwnMachine) {
    const auto dir = tempDir("init-name");
    std::string out;
    ASSERT_EQ(Subprocess::run({bin("mamori-collector"), "init", "--dir", (dir / "c").string(), "--name",
                               "collector.city.local", "--agent-listen", "127.0.0.1:" + std::to_string(freePort()),
                               "--admin-listen", "127.0.0.1:" + std::to_string(freePort()), "--metrics-listen", "off"},
                              &out),
              0)
        << out;
    Subprocess collector;
    collector.start({bin("mamori-collector"), "run", "--dir", (dir / "c").string()}, dir / "collector.log");
    const std::string conf = (dir / "c" / "mamorictl.conf").string();
    EXPECT_TRUE(waitFor([&] { return Subprocess::run({bin("mamorictl"), "--config", conf, "token", "list"}, &out) == 0; }))
        << out;
    EXPECT_EQ(out.find("certificate verify failed"), std::string::npos) << out;
    EXPECT_EQ(collector.kill(SIGTERM), 0);
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

TEST(CommandLine, CollectorInitRefusesBadListenAddressesAndUnknownZones) {
    const auto dir = tempDir("init-refusals");
    auto init = [&](std::vector<std::string> args, std::string& out) {
        args.insert(args.begin(), {bin("mamori-collector"), "init", "--dir", (dir / "c").string()});
        return Subprocess::run(args, &out);
    };
    std::string out;
    for (const std::string option : {"--agent-listen", "--admin-listen", "--metrics-listen"}) {
        for (const std::string bad : {"127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:", "127.0.0.1", ":8443",
                                      "collector.city.local:8443", "127.0.0.1:84x3"}) {
            EXPECT_EQ(init({option, bad}, out), 1) << option << " " << bad << ": " << out;
            EXPECT_NE(out.find(option + " '" + bad + "'"), std::string::npos) << out;
            EXPECT_NE(out.find("HOST:PORT の形で指定してください"), std::string::npos) << out;
            EXPECT_FALSE(std::filesystem::exists(dir / "c" / "collector.conf")) << option << " " << bad;
        }
    }
    EXPECT_EQ(init({"--agent-listen", "127.0.0.1:99999"}, out), 1);
    EXPECT_NE(out.find("the port must be a whole number from 1 to 65535"), std::string::npos) << out;
    EXPECT_EQ(init({"--time-zone", "Asia/Tokio"}, out), 1) << out;
    EXPECT_NE(out.find("unknown time zone 'Asia/Tokio'"), std::string::npos) << out;
    EXPECT_NE(out.find("did you mean 'Asia/Tokyo'?"), std::string::npos) << out;
    EXPECT_NE(out.find("「Asia/Tokyo」の誤りではありませんか"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(dir / "c" / "collector.conf"));

    // The same value written into collector.conf by hand: `run` refuses it instead of serving on
    // whatever port the kernel makes of it.
    ASSERT_EQ(init({"--agent-listen", "127.0.0.1:" + std::to_string(freePort()), "--admin-listen",
                    "127.0.0.1:" + std::to_string(freePort()), "--metrics-listen", "off"},
                   out),
              0)
        << out;
    const auto conf = dir / "c" / "collector.conf";
    std::string text = mamori::common::Files::read(conf);
    const auto at = text.find("admin_listen = ");
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at, text.find('\n', at) - at, "admin_listen = 127.0.0.1:99999");
    mamori::common::Files::writeAtomic(conf, text, 0600);
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "run", "--dir", (dir / "c").string()}, &out), 1) << out;
    EXPECT_NE(out.find("admin_listen in collector.conf '127.0.0.1:99999'"), std::string::npos) << out;
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
