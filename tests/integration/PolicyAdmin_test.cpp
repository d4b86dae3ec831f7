// Policy distribution as administrators run it: groups, moving a terminal between groups, and
// `mamorictl policy status` telling which terminals run which version and which are behind.
// Runs against both stores: the answers must not depend on where the collector keeps them.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "CollectorOnEachStore.h"
#include "tests/support/TestCollector.h"
#include "tests/support/PostgresServer.h"

using namespace mamori::test;

namespace {

const auto* const kPostgresEnvironment = ::testing::AddGlobalTestEnvironment(new PostgresServer::Environment);

class PolicyAdmin : public CollectorOnEachStore {
protected:
    PolicyAdmin() : CollectorOnEachStore("policy-admin") {}

    std::string profile() const { return std::string(MAMORI_SOURCE_DIR) + "/installer/profiles/default.yaml"; }

    // The version `policy push` reports; `create` begins a section no terminal or token names yet.
    uint64_t push(const std::string& group, bool create = false) {
        std::vector<std::string> args{"policy", "push", profile(), "--group", group};
        if (create) args.push_back("--create-section");
        const std::string out = collector->ctl(args);
        const auto at = out.find("is version ");
        EXPECT_NE(at, std::string::npos) << out;
        return at == std::string::npos ? 0 : std::stoull(out.substr(at + 11));
    }

    boost::json::object statusOf(const std::string& terminal) {
        const std::string out = collector->ctl({"policy", "status", "--format", "json"});
        const boost::json::value parsed = boost::json::parse(out);  // named: the loop borrows from it
        for (const auto& r : parsed.at("rows").as_array())
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

    const uint64_t section_version = push("住民課", true);
    EXPECT_GT(section_version, all_version);
    EXPECT_FALSE(statusOf("term-a").at("behind").as_bool()) << "another group's policy does not concern term-a";

    const std::string moved = collector->ctl({"terminal", "set-group", "term-a", "住民課"});
    EXPECT_NE(moved.find("from group '税務課' to '住民課'"), std::string::npos) << moved;
    auto after = statusOf("term-a");
    EXPECT_EQ(after.at("group").as_string(), "住民課");
    EXPECT_TRUE(after.at("behind").as_bool());
    EXPECT_EQ(after.at("applied_version").to_number<uint64_t>(), all_version);
    // 住民課's policy, re-issued to term-a under a version newer than anything it could have applied.
    EXPECT_EQ(after.at("policy_group").as_string(), "住民課");
    const uint64_t reissued = after.at("latest_version").to_number<uint64_t>();
    EXPECT_GT(reissued, section_version);
    const std::string table = collector->ctl({"policy", "status", "--behind"});
    EXPECT_NE(table.find("term-a"), std::string::npos) << table;
    EXPECT_NE(table.find("behind"), std::string::npos) << table;

    syncTo(agent, "term-a", reissued);
    EXPECT_FALSE(statusOf("term-a").at("behind").as_bool());
}

// Regression: delivery and policy status compared version numbers only, so a terminal moved to
// a group whose latest policy has a lower version than the one it ran never received that
// policy, and policy status called it current.
TEST_P(PolicyAdmin, SetGroupToAGroupWhosePolicyHasALowerVersionDeliversThatPolicy) {
    const uint64_t section_version = push("住民課", true);
    const uint64_t all_version = push("all");
    ASSERT_LT(section_version, all_version);
    TestAgent agent(dir / "term-a");
    agent.enroll(collector->agentUrl(), collector->token("税務課"), "term-a");
    syncTo(agent, "term-a", all_version);

    const std::string moved = collector->ctl({"terminal", "set-group", "term-a", "住民課"});
    EXPECT_NE(moved.find("re-issued as version"), std::string::npos) << moved;
    auto after = statusOf("term-a");
    EXPECT_TRUE(after.at("behind").as_bool()) << "it still runs the policy of 'all'";
    EXPECT_EQ(after.at("policy_group").as_string(), "住民課");
    const uint64_t reissued = after.at("latest_version").to_number<uint64_t>();
    EXPECT_GT(reissued, all_version);

    syncTo(agent, "term-a", reissued);
    EXPECT_FALSE(statusOf("term-a").at("behind").as_bool());
}

TEST_P(PolicyAdmin, ACollectorRestartChangesNothingTerminalsEnforce) {
    const uint64_t version = push("住民課", true);
    TestAgent agent(dir / "term-a");
    agent.enroll(collector->agentUrl(), collector->token("住民課"), "term-a");
    syncTo(agent, "term-a", version);
    const std::string enforced = agent.status();
    const std::string signed_policy = mamori::common::Files::read(agent.state() / "policy.signed");

    collector->stop(SIGKILL);  // the hardest restart: no chance to write anything on the way out
    collector->start();
    agent.start();
    // The agent has synced with the restarted collector: it answers with the same state.
    EXPECT_TRUE(waitFor([&] { return agent.status().find("last error:      none") != std::string::npos; }))
        << agent.logText();
    agent.stop(SIGTERM);
    auto after = statusOf("term-a");
    EXPECT_EQ(after.at("applied_version").to_number<uint64_t>(), version);
    EXPECT_EQ(after.at("latest_version").to_number<uint64_t>(), version);
    EXPECT_FALSE(after.at("behind").as_bool());
    EXPECT_EQ(mamori::common::Files::read(agent.state() / "policy.signed"), signed_policy) << "no policy was re-sent";
    EXPECT_NE(agent.status().find("version " + std::to_string(version)), std::string::npos) << enforced;
}

// A policy pushed to a misspelt group protects nobody and waits for terminals that never come:
// refused, with the name meant, unless the administrator says the section is new.
TEST_P(PolicyAdmin, PushToAnUnknownSectionIsRefusedUnlessCreated) {
    TestAgent agent(dir / "term-a");
    agent.enroll(collector->agentUrl(), collector->token("住民課"), "term-a");
    std::string out = collector->ctl({"policy", "push", profile(), "--group", "存在しない課"}, 1);
    EXPECT_NE(out.find("no section (group) '存在しない課' is known"), std::string::npos) << out;
    EXPECT_NE(out.find("known: 住民課"), std::string::npos) << out;
    EXPECT_NE(out.find("--create-section"), std::string::npos) << out;
    EXPECT_NE(out.find("登録されていません"), std::string::npos) << out;
    out = collector->ctl({"policy", "push", profile(), "--group", "住民科"}, 1);
    EXPECT_NE(out.find("did you mean '住民課'?"), std::string::npos) << out;
    EXPECT_NE(out.find("「住民課」の誤りではありませんか"), std::string::npos) << out;
    // What is allowed: every terminal's default, a known section, a new one said to be new, and
    // a section begun by its first enrollment token.
    push("all");
    push("住民課");
    push("存在しない課", true);
    push("存在しない課");
    collector->token("新設課");
    push("新設課");
    // An unknown section is refused wherever it is named.
    out = collector->ctl({"violations", "--section", "住民科"}, 1);
    EXPECT_NE(out.find("did you mean '住民課'?"), std::string::npos) << out;
    out = collector->ctl({"terminals", "--section", "住民科"}, 1);
    EXPECT_NE(out.find("did you mean '住民課'?"), std::string::npos) << out;
    out = collector->ctl({"policy", "status", "--section", "住民科"}, 1);
    EXPECT_NE(out.find("did you mean '住民課'?"), std::string::npos) << out;
    out = collector->ctl({"report", "monthly", "--month", "2026-11", "--section", "住民科"}, 1);
    EXPECT_NE(out.find("did you mean '住民課'?"), std::string::npos) << out;
    EXPECT_NE(collector->ctl({"terminals", "--section", "住民課"}).find("term-a"), std::string::npos);
}

TEST_P(PolicyAdmin, SetGroupOfAnUnknownTerminalFailsAndChangesNothing) {
    const std::string out = collector->ctl({"terminal", "set-group", "no-such-terminal", "住民課"}, 1);
    EXPECT_NE(out.find("no terminal 'no-such-terminal'"), std::string::npos) << out;
    const std::string usage = collector->ctl({"terminal", "set-group", "x"}, 2);
    EXPECT_NE(usage.find("terminal set-group: missing the group (GROUP)"), std::string::npos) << usage;
}

// A UTC date `days` from now: far enough from the edges that the municipality's date agrees.
std::string dateIn(int days) {
    const time_t t = time(nullptr) + days * 86400;
    char buf[16];
    strftime(buf, sizeof buf, "%Y-%m-%d", gmtime(&t));
    return buf;
}

TEST_P(PolicyAdmin, ExceptionReachesTheTerminalAsANewerPolicyAndIsListedByExpiry) {
    push("all");
    TestAgent agent(dir / "term-a");
    agent.enroll(collector->agentUrl(), collector->token("税務課"), "term-a");
    const uint64_t before = statusOf("term-a").at("latest_version").to_number<uint64_t>();
    syncTo(agent, "term-a", before);

    const std::vector<std::string> grant{"exception", "grant", "--terminal", "term-a", "--control", "usb",
                                         "--device", "0781:5581:4C530001", "--reason", "選挙事務のデータ受け渡し",
                                         "--requested-by", "sato"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = grant;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    // Separation of duties, and no exception without an end.
    std::string out = collector->ctl(with({"--approved-by", " Sato ", "--until", dateIn(3)}), 1);
    EXPECT_NE(out.find("may not approve their own"), std::string::npos) << out;
    out = collector->ctl(with({"--approved-by", "suzuki"}), 2);
    EXPECT_NE(out.find("missing the expiry (--until)"), std::string::npos) << out;
    out = collector->ctl(with({"--approved-by", "suzuki", "--until", dateIn(-3)}), 1);
    EXPECT_NE(out.find("already past"), std::string::npos) << out;
    EXPECT_TRUE(
        boost::json::parse(collector->ctl({"exception", "list", "--format", "json"})).at("rows").as_array().empty());

    out = collector->ctl(with({"--approved-by", "suzuki", "--until", dateIn(3)}));
    EXPECT_NE(out.find("granted until"), std::string::npos) << out;
    collector->ctl({"exception", "grant", "--group", "税務課", "--control", "software", "--software",
                    std::string(64, 'a'), "--until", dateIn(40), "--reason", "業務システム更新",
                    "--requested-by", "tanaka", "--approved-by", "suzuki"});

    auto status = statusOf("term-a");
    EXPECT_TRUE(status.at("behind").as_bool()) << "a grant is a newer policy for the terminals it covers";
    EXPECT_EQ(status.at("exceptions").to_number<uint64_t>(), 2u);
    const uint64_t with_exceptions = status.at("latest_version").to_number<uint64_t>();
    EXPECT_GT(with_exceptions, before);
    syncTo(agent, "term-a", with_exceptions);

    const auto soon = boost::json::parse(collector->ctl({"exception", "list", "--expiring", "7d", "--format", "json"}));
    ASSERT_EQ(soon.at("rows").as_array().size(), 1u) << soon;
    EXPECT_EQ(soon.at("rows").at(0).at("terminal").as_string(), "term-a");
    EXPECT_EQ(soon.at("rows").at(0).at("detail").as_string(), "0781:5581:4C530001");
    EXPECT_EQ(soon.at("rows").at(0).at("requested_by").as_string(), "sato");
    EXPECT_EQ(soon.at("rows").at(0).at("approved_by").as_string(), "suzuki");
    EXPECT_EQ(soon.at("rows").at(0).at("until").as_string(), dateIn(3));
    const std::string table = collector->ctl({"exception", "list"});
    EXPECT_NE(table.find("group 税務課"), std::string::npos) << table;
    EXPECT_NE(table.find("software"), std::string::npos) << table;
}

INSTANTIATE_TEST_SUITE_P(Stores, PolicyAdmin, CollectorOnEachStore::stores(), CollectorOnEachStore::name);

}  // namespace
