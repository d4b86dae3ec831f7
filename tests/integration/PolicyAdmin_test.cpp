// Policy distribution as administrators run it: groups, moving a terminal between groups, and
// `mamorictl policy status` telling which terminals run which version and which are behind.
// Runs against both stores: the answers must not depend on where the collector keeps them.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "TestCollector.h"
#include "tests/support/PostgresServer.h"

using namespace mamori::test;

namespace {

const auto* const kPostgresEnvironment = ::testing::AddGlobalTestEnvironment(new PostgresServer::Environment);

class PolicyAdmin : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        std::string store;
        if (GetParam() == "postgresql") {
            auto* server = PostgresServer::shared();
            if (!server) GTEST_SKIP() << PostgresServer::kSkipMessage;
            store = server->createDatabase();
        }
        dir = tempDir("policy-admin");
        collector = std::make_unique<TestCollector>(dir / "collector", "", store);
        collector->start();
    }
    void TearDown() override {
        if (collector) collector->stop();
        if (!HasFailure() && !dir.empty()) std::filesystem::remove_all(dir);
    }

    std::string profile() const { return std::string(MAMORI_SOURCE_DIR) + "/installer/profiles/default.yaml"; }

    // The version `policy push` reports.
    uint64_t push(const std::string& group) {
        const std::string out = collector->ctl({"policy", "push", profile(), "--group", group});
        const auto at = out.find("is version ");
        EXPECT_NE(at, std::string::npos) << out;
        return at == std::string::npos ? 0 : std::stoull(out.substr(at + 11));
    }

    boost::json::object statusOf(const std::string& terminal) {
        const std::string out = collector->ctl({"policy", "status", "--format", "json"});
        for (const auto& r : boost::json::parse(out).as_array())
            if (r.at("terminal").as_string() == terminal) return r.as_object();
        ADD_FAILURE() << terminal << " missing from " << out;
        return {};
    }

    // Runs the agent until the collector has seen it apply `version`.
    void syncTo(TestAgent& agent, const std::string& terminal, uint64_t version) {
        agent.start();
        EXPECT_TRUE(waitFor([&] { return statusOf(terminal).at("applied_version").to_number<uint64_t>() == version; }))
            << agent.logText();
        agent.stop(SIGTERM);
    }

    std::filesystem::path dir;
    std::unique_ptr<TestCollector> collector;
};

TEST_P(PolicyAdmin, StatusShowsWhoIsBehindAfterAGroupChangeUntilTheTerminalSyncs) {
    const uint64_t all_version = push("all");
    TestAgent agent(dir / "term-a");
    agent.enroll(collector->agentUrl(), collector->token("税務課"), "term-a");

    auto before = statusOf("term-a");
    EXPECT_TRUE(before.at("behind").as_bool()) << "enrolled, never synced";
    EXPECT_EQ(before.at("latest_version").to_number<uint64_t>(), all_version) << "税務課 has none: it follows 'all'";

    syncTo(agent, "term-a", all_version);
    EXPECT_FALSE(statusOf("term-a").at("behind").as_bool());
    EXPECT_EQ(collector->ctl({"policy", "status", "--behind"}).find("term-a"), std::string::npos);

    const uint64_t section_version = push("住民課");
    EXPECT_GT(section_version, all_version);
    EXPECT_FALSE(statusOf("term-a").at("behind").as_bool()) << "another group's policy does not concern term-a";

    const std::string moved = collector->ctl({"terminal", "set-group", "term-a", "住民課"});
    EXPECT_NE(moved.find("from group '税務課' to '住民課'"), std::string::npos) << moved;
    auto after = statusOf("term-a");
    EXPECT_EQ(after.at("group").as_string(), "住民課");
    EXPECT_TRUE(after.at("behind").as_bool());
    EXPECT_EQ(after.at("applied_version").to_number<uint64_t>(), all_version);
    EXPECT_EQ(after.at("latest_version").to_number<uint64_t>(), section_version);
    const std::string table = collector->ctl({"policy", "status", "--behind"});
    EXPECT_NE(table.find("term-a"), std::string::npos) << table;
    EXPECT_NE(table.find("behind"), std::string::npos) << table;

    syncTo(agent, "term-a", section_version);
    EXPECT_FALSE(statusOf("term-a").at("behind").as_bool());
}

TEST_P(PolicyAdmin, SetGroupOfAnUnknownTerminalFailsAndChangesNothing) {
    const std::string out = collector->ctl({"terminal", "set-group", "no-such-terminal", "住民課"}, 1);
    EXPECT_NE(out.find("no terminal 'no-such-terminal'"), std::string::npos) << out;
    EXPECT_NE(collector->ctl({"terminal", "set-group", "x"}, 2).find("unknown command"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Stores, PolicyAdmin, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
