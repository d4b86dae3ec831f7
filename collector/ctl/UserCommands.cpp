#include "collector/ctl/UserCommands.h"

#include <boost/json.hpp>
#include <iostream>

namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

UserCommands::UserCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* user = cli.group(cli.app(), "user", "the people who use the admin endpoint");
    CLI::App* add = cli.command(*user, "add",
                                "a person with their own token (printed once); officers see only their sections",
                                "  mamorictl user add yamada --role officer --section 税務課 --section 住民課\n"
                                "  mamorictl user add kansa --role auditor",
                                [this] { return this->add(); });
    cli.required(add->add_option("NAME", name_, "their name"), "the user's name", "利用者名が指定されていません");
    cli.required(add->add_option("--role", role_, "admin, officer (情報セキュリティ管理者), ciso or auditor")
                     ->type_name("ROLE")
                     ->check(CLI::IsMember({"admin", "officer", "ciso", "auditor"})),
                 "the role", "役割（--role）が指定されていません");
    add->add_option("--section", sections_, "officer: a section they answer for (repeatable)")
        ->type_name("S")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

int UserCommands::add() {
    json::array secs;
    for (const auto& s : sections_) secs.emplace_back(s);
    json::object body{{"name", name_}, {"role", role_}, {"sections", secs}};
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/users", json::serialize(body));
    std::cout << CtlContext::text(v.at("token")) << "\n";
    std::cerr << "user '" << CtlContext::text(v.at("name")) << "' (" << CtlContext::text(v.at("role"))
              << ") added; give them this token: it is not stored and cannot be shown again\n";
    return 0;
}

}  // namespace mamori::collector
