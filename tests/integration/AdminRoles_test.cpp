// Roles on the admin endpoint: people added with `mamorictl user add` get their own token;
// an officer (情報セキュリティ管理者) sees only their sections' terminals and gets 403 for any
// other, an auditor reads everything and changes nothing.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "CollectorOnEachStore.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

class AdminRoles : public CollectorOnEachStore {
protected:
    AdminRoles() : CollectorOnEachStore("admin-roles") {}

    std::filesystem::path addUser(const std::string& name, std::vector<std::string> args) {
        return collector->addUser(name, std::move(args));
    }

    // mamorictl as another user; returns stdout+stderr, asserts the exit code.
    std::string as(const std::filesystem::path& conf, std::vector<std::string> args, int expect = 0) {
        args.insert(args.begin(), {bin("mamorictl"), "--config", conf.string()});
        std::string out;
        EXPECT_EQ(Subprocess::run(args, &out), expect) << out;
        return out;
    }

};

TEST_P(AdminRoles, OfficerSeesOnlyTheirSectionsAndGets403ForAnotherSectionsTerminal) {
    TestAgent tax(dir / "term-tax"), residents(dir / "term-res");
    tax.enroll(collector->agentUrl(), collector->token("税務課"), "term-tax");
    residents.enroll(collector->agentUrl(), collector->token("住民課"), "term-res");
    const auto officer = addUser("yamada", {"--role", "officer", "--section", "税務課"});

    const std::string terminals = as(officer, {"terminals"});
    EXPECT_NE(terminals.find("term-tax"), std::string::npos) << terminals;
    EXPECT_EQ(terminals.find("term-res"), std::string::npos) << terminals;

    as(officer, {"events", "--terminal", "term-tax"});
    const std::string refused = as(officer, {"events", "--terminal", "term-res"}, 1);
    EXPECT_NE(refused.find("HTTP 403"), std::string::npos) << refused;
    EXPECT_NE(refused.find("所管外の端末です"), std::string::npos) << refused;

    EXPECT_NE(as(officer, {"token", "create", "--group", "税務課"}, 1).find("HTTP 403"), std::string::npos);
    // Another section by name is refused too, not answered with an empty table.
    const std::string other = as(officer, {"violations", "--section", "住民課"}, 1);
    EXPECT_NE(other.find("HTTP 403"), std::string::npos) << other;
    EXPECT_NE(other.find("not one of yours (税務課)"), std::string::npos) << other;
    EXPECT_NE(as(officer, {"violations", "--section", "税務科"}, 1).find("did you mean '税務課'?"), std::string::npos);

    // Both reads are on record, the refused one too; officers may not read the record itself.
    EXPECT_NE(as(officer, {"access-log"}, 1).find("HTTP 403"), std::string::npos);
    const std::string log = collector->ctl({"access-log", "--format", "csv"});
    EXPECT_NE(log.find("yamada,officer,term-tax,events\r\n"), std::string::npos) << log;
    EXPECT_NE(log.find("yamada,officer,term-res,events (refused)"), std::string::npos) << log;
}

TEST_P(AdminRoles, AuditorReadsEverythingAndChangesNothing) {
    TestAgent residents(dir / "term-res");
    residents.enroll(collector->agentUrl(), collector->token("住民課"), "term-res");
    const auto auditor = addUser("kansa", {"--role", "auditor"});
    EXPECT_NE(as(auditor, {"terminals"}).find("term-res"), std::string::npos);
    as(auditor, {"events", "--terminal", "term-res"});
    const auto log = boost::json::parse(as(auditor, {"access-log", "--format", "json"}));
    ASSERT_EQ(log.at("rows").as_array().size(), 1u) << log;
    EXPECT_EQ(log.at("rows").at(0).at("user").as_string(), "kansa");
    EXPECT_EQ(log.at("rows").at(0).at("terminal").as_string(), "term-res");
    as(auditor, {"policy", "status"});
    const std::string profile = std::string(MAMORI_SOURCE_DIR) + "/installer/profiles/default.yaml";
    EXPECT_NE(as(auditor, {"policy", "push", profile}, 1).find("HTTP 403"), std::string::npos);
    EXPECT_NE(as(auditor, {"terminal", "set-group", "term-res", "税務課"}, 1).find("HTTP 403"), std::string::npos);
    EXPECT_NE(as(auditor, {"user", "add", "x", "--role", "admin"}, 1).find("HTTP 403"), std::string::npos);
}

TEST_P(AdminRoles, UsersNeedAKnownRoleAndOfficersASection) {
    // A role mamorictl does not know is a usage error, refused before anything is sent.
    EXPECT_NE(collector->ctl({"user", "add", "a", "--role", "boss"}, 2).find("boss not in"), std::string::npos);
    EXPECT_NE(collector->ctl({"user", "add", "b", "--role", "officer"}, 1).find("at least one --section"),
              std::string::npos);
    addUser("c", {"--role", "ciso"});
    EXPECT_NE(collector->ctl({"user", "add", "c", "--role", "ciso"}, 1).find("already exists"), std::string::npos);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Stores, AdminRoles, CollectorOnEachStore::stores(), CollectorOnEachStore::name);
