// Roles on the admin endpoint: people added with `mamorictl user add` get their own token;
// a section manager (所属長) sees only their sections' terminals and gets 403 for any other, an
// auditor reads everything and changes nothing; accounts are listed, re-roled and disabled, and
// only the CISO makes CISOs and grants rights.
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

TEST_P(AdminRoles, SectionManagerSeesOnlyTheirSectionsAndGets403ForAnotherSectionsTerminal) {
    TestAgent tax(dir / "term-tax"), residents(dir / "term-res");
    tax.enroll(collector->agentUrl(), collector->token("税務課"), "term-tax");
    residents.enroll(collector->agentUrl(), collector->token("住民課"), "term-res");
    const auto officer = addUser("yamada", {"--role", "section_manager", "--section", "税務課"});

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

    // Both reads are on record, the refused one too; section managers may not read the record itself.
    EXPECT_NE(as(officer, {"access-log"}, 1).find("HTTP 403"), std::string::npos);
    const std::string log = collector->ctl({"access-log", "--format", "csv"});
    EXPECT_NE(log.find("yamada,section_manager,term-tax,events\r\n"), std::string::npos) << log;
    EXPECT_NE(log.find("yamada,section_manager,term-res,events (refused)"), std::string::npos) << log;
}

TEST_P(AdminRoles, AuditorReadsEverythingAndChangesNothing) {
    TestAgent residents(dir / "term-res");
    residents.enroll(collector->agentUrl(), collector->token("住民課"), "term-res");
    const auto auditor = addUser("kansa", {"--role", "auditor"});
    EXPECT_NE(as(auditor, {"terminals"}).find("term-res"), std::string::npos);
    as(auditor, {"events", "--terminal", "term-res"});
    const auto log = boost::json::parse(as(auditor, {"access-log", "--format", "json"}));
    ASSERT_EQ(log.at("rows").as_array().size(), 2u) << log;
    // Newest first: this very read of the log, then the read of the events.
    EXPECT_EQ(log.at("rows").at(0).at("action").as_string(), "access log");
    EXPECT_EQ(log.at("rows").at(1).at("user").as_string(), "kansa");
    EXPECT_EQ(log.at("rows").at(1).at("terminal").as_string(), "term-res");
    as(auditor, {"policy", "status"});
    const std::string profile = std::string(MAMORI_SOURCE_DIR) + "/installer/profiles/default.yaml";
    EXPECT_NE(as(auditor, {"policy", "push", profile}, 1).find("HTTP 403"), std::string::npos);
    EXPECT_NE(as(auditor, {"terminal", "set-group", "term-res", "税務課"}, 1).find("HTTP 403"), std::string::npos);
    EXPECT_NE(as(auditor, {"user", "add", "x", "--role", "auditor"}, 1).find("HTTP 403"), std::string::npos);
    EXPECT_NE(as(auditor, {"exception", "request", "--terminal", "term-res", "--control", "hours", "--hours-extension",
                           "--until", "2099-01-01", "--reason", "r"},
                 1)
                  .find("HTTP 403"),
              std::string::npos);
    as(auditor, {"user", "list"});
}

TEST_P(AdminRoles, UsersNeedAKnownRoleAndSectionManagersASection) {
    // A role mamorictl does not know is a usage error, refused before anything is sent.
    EXPECT_NE(collector->ctl({"user", "add", "a", "--role", "boss"}, 2).find("boss not in"), std::string::npos);
    EXPECT_NE(collector->ctl({"user", "add", "b", "--role", "section_manager"}, 1).find("at least one --section"),
              std::string::npos);
    EXPECT_NE(collector->ctl({"user", "add", "b", "--role", "auditor", "--section", "税務課"}, 1)
                  .find("only section managers are limited to sections"),
              std::string::npos);
    addUser("c", {"--role", "auditor"});
    EXPECT_NE(collector->ctl({"user", "add", "c", "--role", "security_admin"}, 1).find("already exists"),
              std::string::npos);
}

TEST_P(AdminRoles, TheFirstCisoIsMadeByTheAdministratorAndThenOnlyTheCisoNamesCisosAndGrantsRights) {
    // The collector starts with one security_admin; with no CISO yet, it may name the first.
    const auto ciso = addUser("suzuki", {"--role", "ciso"});
    std::string out = collector->ctl({"user", "add", "kato", "--role", "ciso"}, 1);
    EXPECT_NE(out.find("only the CISO manages CISO accounts"), std::string::npos) << out;
    EXPECT_NE(out.find("CISO の利用者を管理できるのは CISO のみです"), std::string::npos) << out;
    EXPECT_NE(collector->ctl({"user", "disable", "suzuki"}, 1).find("only the CISO manages CISO accounts"),
              std::string::npos);

    const auto sato = addUser("sato", {"--role", "security_admin"});
    out = collector->ctl({"user", "rights", "sato", "--grant", "approve"}, 1);
    EXPECT_NE(out.find("may not grant rights"), std::string::npos) << out;
    out = as(ciso, {"user", "rights", "sato", "--grant", "approve", "--grant", "person_events"});
    EXPECT_NE(out.find("sato: security_admin [approve, person_events]"), std::string::npos) << out;
    out = as(ciso, {"user", "rights", "sato", "--revoke", "person_events"});
    EXPECT_NE(out.find("sato: security_admin [approve]"), std::string::npos) << out;
    EXPECT_NE(as(ciso, {"user", "rights", "sato", "--grant", "fly"}, 2).find("fly not in"), std::string::npos);

    // A change of role, with sections; then disabled: the token is refused, the account listed.
    as(ciso, {"user", "role", "sato", "--role", "section_manager", "--section", "税務課"});
    as(sato, {"terminals"});
    EXPECT_NE(as(sato, {"user", "disable", "sato"}, 1).find("HTTP 403"), std::string::npos)
        << "a section manager manages no accounts";
    EXPECT_NE(as(ciso, {"user", "disable", "suzuki"}, 1).find("nobody disables their own account"), std::string::npos);
    as(ciso, {"user", "disable", "sato"});
    out = as(sato, {"terminals"}, 1);
    EXPECT_NE(out.find("HTTP 401"), std::string::npos) << out;
    EXPECT_NE(out.find("the account sato is disabled"), std::string::npos) << out;
    EXPECT_NE(out.find("無効化されています"), std::string::npos) << out;
    out = as(ciso, {"user", "rights", "sato"}, 1);
    EXPECT_NE(out.find("say what to change"), std::string::npos) << out;
    const auto users = boost::json::parse(collector->ctl({"user", "list", "--format", "json"}));
    const auto& rows = users.at("rows").as_array();
    ASSERT_EQ(rows.size(), 3u) << users;
    EXPECT_EQ(rows.at(1).at("name").as_string(), "sato");
    EXPECT_EQ(rows.at(1).at("role").as_string(), "section_manager");
    EXPECT_EQ(rows.at(1).at("sections").at(0).as_string(), "税務課");
    EXPECT_FALSE(rows.at(1).at("disabled").is_null());
    EXPECT_TRUE(rows.at(2).at("disabled").is_null()) << "suzuki";
    as(ciso, {"user", "enable", "sato"});
    as(sato, {"terminals"});
    EXPECT_NE(collector->ctl({"user", "role", "nobody", "--role", "auditor"}, 1).find("no user 'nobody'"),
              std::string::npos);
}

TEST_P(AdminRoles, ANamedPersonsEventsNeedTheRightTheCisoGrantsAndTheReadIsRecorded) {
    TestAgent tax(dir / "term-tax");
    tax.enroll(collector->agentUrl(), collector->token("税務課"), "term-tax");
    const auto ciso = addUser("suzuki", {"--role", "ciso"});
    const auto sato = addUser("sato", {"--role", "security_admin"});
    const std::vector<std::string> read{"events", "--terminal", "term-tax", "--user", "yamada"};
    std::string out = as(sato, read, 1);
    EXPECT_NE(out.find("may not read a named person's events"), std::string::npos) << out;
    as(sato, {"events", "--terminal", "term-tax"});  // the terminal's events are theirs to read
    as(ciso, read);
    as(ciso, {"user", "rights", "sato", "--grant", "person_events"});
    as(sato, read);
    const std::string log = collector->ctl({"access-log", "--format", "csv"});
    EXPECT_NE(log.find("suzuki,ciso,term-tax,events of user yamada"), std::string::npos) << log;
    EXPECT_NE(log.find("sato,security_admin,term-tax,events of user yamada"), std::string::npos) << log;
    EXPECT_EQ(log.find("sato,security_admin,term-tax,events of user yamada (refused)"), std::string::npos)
        << "refused before anything was read";
}

TEST_P(AdminRoles, EachCityTitlesTheRolesInJapaneseAndTheCisoSetsThem) {
    const auto ciso = addUser("suzuki", {"--role", "ciso"});
    const auto sato = addUser("sato", {"--role", "security_admin"});
    const auto kansa = addUser("kansa", {"--role", "auditor"});
    auto titleOf = [&](const std::string& listing, const std::string& key, const std::string& value) {
        const boost::json::value parsed = boost::json::parse(listing);
        for (const auto& r : parsed.at("rows").as_array())
            if (r.at(key).as_string() == value) return std::string(r.at("title").as_string());
        ADD_FAILURE() << value << " missing from " << listing;
        return std::string();
    };
    // The standard names until the city says otherwise.
    EXPECT_EQ(titleOf(as(kansa, {"role", "list", "--format", "json"}), "role", "security_admin"), "情報セキュリティ管理者");

    EXPECT_NE(as(sato, {"role", "title", "security_admin", "情報政策課長"}, 1).find("HTTP 403"), std::string::npos)
        << "once there is a CISO, naming the roles is theirs";
    EXPECT_NE(as(ciso, {"role", "title", "security_admin", "a\tb"}, 1).find("without control characters"),
              std::string::npos);
    EXPECT_NE(as(ciso, {"role", "title", "security_admin"}, 2).find("give the title, or --standard"), std::string::npos);
    EXPECT_NE(as(ciso, {"role", "title", "officer", "x"}, 2).find("officer"), std::string::npos);
    EXPECT_EQ(as(ciso, {"role", "title", "security_admin", "情報政策課長"}), "security_admin: 情報政策課長\n");
    EXPECT_EQ(titleOf(as(kansa, {"role", "list", "--format", "json"}), "role", "security_admin"), "情報政策課長");
    // Shown beside the role wherever people are listed; the role, which is the rule, is unchanged.
    const std::string users = as(kansa, {"user", "list", "--format", "json"});
    EXPECT_EQ(titleOf(users, "name", "sato"), "情報政策課長");
    EXPECT_EQ(titleOf(users, "name", "suzuki"), "最高情報セキュリティ責任者");
    EXPECT_NE(as(kansa, {"user", "list", "--lang", "ja"}).find("肩書"), std::string::npos);
    as(sato, {"token", "create", "--group", "税務課"});

    EXPECT_EQ(as(ciso, {"role", "title", "security_admin", "--standard"}), "security_admin: 情報セキュリティ管理者\n");
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Stores, AdminRoles, CollectorOnEachStore::stores(), CollectorOnEachStore::name);
