// Policy distribution as administrators run it: groups, moving a terminal between groups, and
// `mamorictl policy status` telling which terminals run which version and which are behind.
// Runs against both stores: the answers must not depend on where the collector keeps them.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "mamori/v1/policy.pb.h"

#include "CollectorOnEachStore.h"
#include "tests/support/AdminCommands.h"
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

    boost::json::object statusOf(const std::string& terminal) { return policyStatusOf(*collector, terminal); }
    void syncTo(TestAgent& agent, const std::string& terminal, uint64_t version) {
        mamori::test::syncTo(*collector, agent, terminal, version);
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

TEST_P(PolicyAdmin, AnExceptionAppliesOnceAnotherAccountApprovesItAndStopsWhenRevoked) {
    push("all");
    TestAgent agent(dir / "term-a");
    agent.enroll(collector->agentUrl(), collector->token("税務課"), "term-a");
    const uint64_t before = statusOf("term-a").at("latest_version").to_number<uint64_t>();
    syncTo(agent, "term-a", before);
    const auto ciso = collector->addUser("suzuki", {"--role", "ciso"});
    const auto sato = collector->addUser("sato", {"--role", "security_admin"});

    const std::vector<std::string> request{"exception", "request", "--terminal", "term-a", "--control", "usb",
                                           "--device", "0781:5581:4C530001", "--reason", "選挙事務のデータ受け渡し"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = request;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    // No exception without an end, nor one longer than the profile allows (90 days by default).
    EXPECT_NE(as(sato, request, 2).find("missing the expiry (--until)"), std::string::npos);
    EXPECT_NE(as(sato, with({"--until", dateIn(-3)}), 1).find("already past"), std::string::npos);
    std::string out = as(sato, with({"--until", dateIn(120)}), 1);
    EXPECT_NE(out.find("at most 90 days"), std::string::npos) << out;
    EXPECT_NE(out.find("最長 90 日"), std::string::npos) << out;
    std::vector<std::string> typo = with({"--until", dateIn(3)});
    typo[7] = "07811:5581";
    EXPECT_NE(as(sato, typo, 1).find("the vendor \"07811\" is not 4 hexadecimal digits"), std::string::npos);

    out = as(sato, with({"--until", dateIn(3)}));
    EXPECT_NE(out.find("requested; it applies once another account approves it"), std::string::npos) << out;
    auto listed = boost::json::parse(collector->ctl({"exception", "list", "--state", "requested", "--format", "json"}));
    ASSERT_EQ(listed.at("rows").as_array().size(), 1u) << listed;
    const std::string id(listed.at("rows").at(0).at("id").as_string());
    EXPECT_EQ(listed.at("rows").at(0).at("requested_by").as_string(), "sato") << "the account, not a typed name";
    EXPECT_EQ(statusOf("term-a").at("exceptions").to_number<uint64_t>(), 0u) << "a request applies to nobody";
    EXPECT_FALSE(statusOf("term-a").at("behind").as_bool());

    // Two people: never the requester, and only a role that approves.
    out = as(sato, {"exception", "approve", id}, 1);
    EXPECT_NE(out.find("HTTP 403"), std::string::npos) << out;
    EXPECT_NE(out.find("may not approve exceptions"), std::string::npos) << out;
    out = collector->ctl({"exception", "approve", id}, 1);
    EXPECT_NE(out.find("admin (security_admin) may not approve exceptions"), std::string::npos) << out;
    const auto delegated = collector->addUser("kato", {"--role", "security_admin"});
    as(ciso, {"user", "rights", "sato", "--grant", "approve"});
    out = as(sato, {"exception", "approve", id}, 1);
    EXPECT_NE(out.find("was requested by sato; another account must approve it"), std::string::npos) << out;
    EXPECT_NE(out.find("別の利用者が承認してください"), std::string::npos) << out;
    out = as(ciso, {"exception", "approve", id, "--note", "副市長決裁済"});
    EXPECT_NE(out.find("approved; terminals in its scope take it at their next sync"), std::string::npos) << out;
    EXPECT_NE(as(ciso, {"exception", "approve", id}, 1).find("is active, not requested"), std::string::npos);

    auto status = statusOf("term-a");
    EXPECT_TRUE(status.at("behind").as_bool()) << "an approval is a newer policy for the terminals it covers";
    EXPECT_EQ(status.at("exceptions").to_number<uint64_t>(), 1u);
    const uint64_t with_exception = status.at("latest_version").to_number<uint64_t>();
    syncTo(agent, "term-a", with_exception);
    auto applied = appliedPolicy(dir / "term-a");
    ASSERT_EQ(applied.exceptions_size(), 1);
    EXPECT_EQ(applied.group(), "税務課");
    EXPECT_EQ(applied.exceptions(0).id(), id);
    EXPECT_EQ(applied.exceptions(0).usb_device(), "0781:5581:4C530001");
    EXPECT_EQ(applied.exceptions(0).usb_action(), mamori::v1::ALLOW_READONLY) << "read-only unless asked otherwise";
    EXPECT_EQ(applied.exceptions(0).requested_by(), "sato");
    EXPECT_EQ(applied.exceptions(0).approved_by(), "suzuki");
    EXPECT_GT(applied.exceptions(0).approved_unix(), 0);

    // A group exception by a delegated approver; it does not reach a terminal of another group.
    collector->token("住民課");  // the section begins with its first enrollment token
    as(ciso, {"exception", "request", "--group", "住民課", "--control", "hours", "--hours-extension", "--until",
              dateIn(40), "--reason", "転入繁忙期"});
    listed = boost::json::parse(collector->ctl({"exception", "list", "--state", "requested", "--format", "json"}));
    const std::string group_id(listed.at("rows").at(0).at("id").as_string());
    EXPECT_NE(as(delegated, {"exception", "approve", group_id}, 1).find("HTTP 403"), std::string::npos);
    as(sato, {"exception", "approve", group_id});
    EXPECT_EQ(statusOf("term-a").at("exceptions").to_number<uint64_t>(), 1u);

    const auto soon = boost::json::parse(collector->ctl({"exception", "list", "--expiring", "7d", "--format", "json"}));
    ASSERT_EQ(soon.at("rows").as_array().size(), 1u) << soon;
    EXPECT_EQ(soon.at("rows").at(0).at("state").as_string(), "active");
    EXPECT_EQ(soon.at("rows").at(0).at("detail").as_string(), "0781:5581:4C530001 read-only");
    EXPECT_EQ(soon.at("rows").at(0).at("approved_by").as_string(), "suzuki");
    EXPECT_EQ(soon.at("rows").at(0).at("until").as_string(), dateIn(3));
    const std::string table = collector->ctl({"exception", "list"});
    EXPECT_NE(table.find("group 住民課"), std::string::npos) << table;

    // Revoked: the terminal gets a newer policy without it at its next sync.
    EXPECT_NE(collector->ctl({"exception", "revoke", id}, 2).find("missing the reason"), std::string::npos);
    out = collector->ctl({"exception", "revoke", id, "--reason", "受け渡し完了"});
    EXPECT_NE(out.find("revoked"), std::string::npos) << out;
    status = statusOf("term-a");
    EXPECT_TRUE(status.at("behind").as_bool());
    EXPECT_EQ(status.at("exceptions").to_number<uint64_t>(), 0u);
    const uint64_t without = status.at("latest_version").to_number<uint64_t>();
    EXPECT_GT(without, with_exception);
    syncTo(agent, "term-a", without);
    EXPECT_EQ(appliedPolicy(dir / "term-a").exceptions_size(), 0);
    EXPECT_NE(as(ciso, {"exception", "approve", id}, 1).find("is revoked, not requested"), std::string::npos);

    const auto revoked = boost::json::parse(collector->ctl({"exception", "list", "--state", "revoked", "--format", "json"}));
    ASSERT_EQ(revoked.at("rows").as_array().size(), 1u);
    EXPECT_FALSE(revoked.at("rows").at(0).at("revoked").is_null());
    const auto history = boost::json::parse(collector->ctl({"exception", "history", id, "--format", "json"}));
    const auto& changes = history.at("rows").as_array();
    ASSERT_EQ(changes.size(), 3u) << history;
    EXPECT_EQ(changes.at(0).at("action").as_string(), "requested");
    EXPECT_EQ(changes.at(0).at("actor").as_string(), "sato");
    EXPECT_EQ(changes.at(1).at("action").as_string(), "approved");
    EXPECT_EQ(changes.at(1).at("actor").as_string(), "suzuki");
    EXPECT_EQ(changes.at(1).at("note").as_string(), "副市長決裁済");
    EXPECT_EQ(changes.at(2).at("action").as_string(), "revoked");
    EXPECT_EQ(changes.at(2).at("role").as_string(), "security_admin");
    EXPECT_EQ(changes.at(2).at("note").as_string(), "受け渡し完了");
    EXPECT_NE(collector->ctl({"exception", "list", "--state", "gone"}, 2).find("gone not in"), std::string::npos);
    EXPECT_NE(collector->ctl({"exception", "history", "ex-000000000000"}, 1).find("no exception ex-000000000000"),
              std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Stores, PolicyAdmin, CollectorOnEachStore::stores(), CollectorOnEachStore::name);

}  // namespace
