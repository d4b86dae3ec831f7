#include "collector/ctl/UserCommands.h"

#include <boost/json.hpp>
#include <iostream>

#include "mamori/common/HiddenInput.h"

namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

namespace {

const char* kRoles =
    "ciso (最高情報セキュリティ責任者: approves, reads all), security_admin (情報セキュリティ管理者: operates, "
    "requests), section_manager (所属長: their sections), auditor (監査担当: reads all, changes nothing)";

json::array words(const std::vector<std::string>& list) {
    json::array out;
    for (const auto& w : list) out.emplace_back(w);
    return out;
}

}  // namespace

UserCommands::UserCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* user = cli.group(cli.app(), "user", "the people who use the admin endpoint, their roles and rights");
    // --role and --section, the same for a new account and a changed one.
    auto roleOptions = [&](CLI::App* command) {
        cli.required(command->add_option("--role", role_, kRoles)
                         ->type_name("ROLE")
                         ->check(CLI::IsMember({"ciso", "security_admin", "section_manager", "auditor"})),
                     "the role", "役割（--role）が指定されていません");
        command->add_option("--section", sections_, "section_manager: a section they answer for (repeatable)")
            ->type_name("S")
            ->expected(1)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    };
    CLI::App* add = cli.command(*user, "add",
                                "a person with their own token (printed once); section managers see only their "
                                "sections",
                                "  mamorictl user add suzuki --role ciso\n"
                                "  mamorictl user add yamada --role section_manager --section 税務課 --section 住民課\n"
                                "  mamorictl user add kansa --role auditor",
                                [this] { return this->add(); });
    cli.required(add->add_option("NAME", name_, "their account name"), "the user's name", "利用者名が指定されていません");
    roleOptions(add);

    CLI::App* ls = cli.command(*user, "list", "every account: role, sections, rights, disabled or not",
                               "  mamorictl user list", [this] { return this->list(); });
    ctx.addFormat(*ls);

    CLI::App* role = cli.command(*user, "role", "give an account another role (and sections)",
                                 "  mamorictl user role yamada --role section_manager --section 税務課",
                                 [this] {
                                     json::object body{{"name", name_}, {"role", role_}};
                                     if (!sections_.empty()) body["sections"] = words(sections_);
                                     return change(body);
                                 });
    cli.required(role->add_option("NAME", name_, "the account"), "the user's name", "利用者名が指定されていません");
    roleOptions(role);

    CLI::App* rights = cli.command(
        *user, "rights",
        "the CISO grants or takes back a right: approve (a delegated approver of exceptions and media), "
        "person_events (reads a named person's events)",
        "  mamorictl user rights sato --grant approve\n  mamorictl user rights sato --revoke approve",
        [this] { return change(json::object{{"name", name_}, {"grant", words(grant_)}, {"revoke", words(revoke_)}}); });
    cli.required(rights->add_option("NAME", name_, "the account"), "the user's name", "利用者名が指定されていません");
    rights->add_option("--grant", grant_, "a right to grant (repeatable)")
        ->type_name("RIGHT")
        ->check(CLI::IsMember({"approve", "person_events"}))
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    rights->add_option("--revoke", revoke_, "a right to take back (repeatable)")
        ->type_name("RIGHT")
        ->check(CLI::IsMember({"approve", "person_events"}))
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

    CLI::App* disable = cli.command(*user, "disable", "the account's token is refused from now on; its records stay",
                                    "  mamorictl user disable yamada",
                                    [this] { return change(json::object{{"name", name_}, {"disabled", true}}); });
    cli.required(disable->add_option("NAME", name_, "the account"), "the user's name", "利用者名が指定されていません");
    CLI::App* enable = cli.command(*user, "enable", "a disabled account may sign in again with its token",
                                   "  mamorictl user enable yamada",
                                   [this] { return change(json::object{{"name", name_}, {"disabled", false}}); });
    cli.required(enable->add_option("NAME", name_, "the account"), "the user's name", "利用者名が指定されていません");

    CLI::App* password = cli.command(
        *user, "password",
        "set a console password: your own, or (the CISO only) another's; reads it from "
        "standard input, asking twice without echo on a terminal; lifts a lock and ends the account's console "
        "sessions",
        "  mamorictl user password\n  mamorictl user password yamada\n  printf '%s\\n' \"$PW\" | mamorictl user password yamada",
        [this] { return this->password(); });
    password->add_option("NAME", name_, "the account (default: your own)");

    CLI::App* roles = cli.group(cli.app(), "role", "the four roles and what this city calls them");
    CLI::App* rl = cli.command(*roles, "list", "each role with the title shown for it and the standard one",
                               "  mamorictl role list", [this] { return this->roles(); });
    ctx.addFormat(*rl);
    CLI::App* title = cli.command(*roles, "title",
                                  "the title this city gives a role, shown beside it wherever people are listed "
                                  "(the CISO's to set)",
                                  "  mamorictl role title security_admin 情報政策課長\n"
                                  "  mamorictl role title security_admin --standard",
                                  [this] { return this->title(); });
    cli.required(title->add_option("ROLE", role_, "ciso, security_admin, section_manager or auditor")
                     ->check(CLI::IsMember({"ciso", "security_admin", "section_manager", "auditor"})),
                 "the role", "役割が指定されていません");
    auto* text = title->add_option("TITLE", title_, "the title, in Japanese as the city's rules name it");
    auto* standard = title->add_flag("--standard", standard_, "show the standard title again");
    text->excludes(standard);
}

int UserCommands::add() {
    json::object body{{"name", name_}, {"role", role_}, {"sections", words(sections_)}};
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/users", json::serialize(body));
    std::cout << CtlContext::text(v.at("token")) << "\n";
    std::cerr << ctx_.say({"user '" + CtlContext::text(v.at("name")) + "' (" + CtlContext::text(v.at("role")) +
                               ") added; give them this token: it is not stored and cannot be shown again\n",
                           "利用者「" + CtlContext::text(v.at("name")) + "」（" + CtlContext::text(v.at("role")) +
                               "）を追加しました。このトークンを本人に渡してください。保存されず、再表示できません\n"});
    return 0;
}

int UserCommands::password() {
    // Asked twice on a terminal, without echo; a script gives it on standard input.
    std::string first, again;
    if (common::standardInputIsTerminal() &&
        common::askHidden(ctx_.say({"new console password: ", "新しいコンソールのパスワード: "}), first)) {
        if (!common::askHidden(ctx_.say({"once more: ", "もう一度: "}), again) || again != first)
            throw CLI::ValidationError("password", "the two passwords differ / 2回の入力が一致しません");
    } else if (!std::getline(std::cin, first)) {
        throw CLI::ValidationError("password", "no password on standard input / 標準入力にパスワードがありません");
    }
    json::object body{{"password", first}};
    if (!name_.empty()) body["name"] = name_;
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/users/password", json::serialize(body));
    std::cout << ctx_.say({"console password of " + CtlContext::text(v.at("name")) + " set; " +
                               CtlContext::text(v.at("sessions_ended")) + " console session(s) ended",
                           CtlContext::text(v.at("name")) + " のコンソールのパスワードを設定しました（終了したセッション " +
                               CtlContext::text(v.at("sessions_ended")) + " 件）"})
              << "\n";
    return 0;
}

int UserCommands::list() {
    using C = CtlContext;
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/users");
    ReportTable t = ctx_.table({{"name", "利用者"},
                                {"role", "役割"},
                                {"title", "肩書"},
                                {"sections", "所管"},
                                {"rights", "権限"},
                                {"disabled", "無効化"},
                                {"console", "コンソール"}});
    auto joined = [](const json::value& a) {
        std::string out;
        for (const auto& w : a.as_array()) out += (out.empty() ? "" : ", ") + C::text(w);
        return out;
    };
    for (const auto& r : v.at("rows").as_array())
        t.add({C::text(r.at("name")), C::text(r.at("role")), C::text(r.at("title")), joined(r.at("sections")),
               joined(r.at("rights")), C::time(r.at("disabled")),
               // Locked by failed attempts: until when (the CISO sees it here and in the access log).
               !r.at("console_locked_until").is_null()
                   ? ctx_.say({"locked until ", "ロック中 "}) + C::time(r.at("console_locked_until"))
                   : (r.at("console_password").as_bool() ? ctx_.say({"password set", "設定済み"}) : "")});
    ctx_.emit(t, v, {"no users", "利用者はいません"});
    return 0;
}

int UserCommands::change(json::object body) {
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/users/change", json::serialize(body));
    std::string rights;
    for (const auto& r : v.at("rights").as_array()) rights += (rights.empty() ? "" : ", ") + CtlContext::text(r);
    const bool disabled = !v.at("disabled").is_null();
    std::cout << ctx_.say({"user ", "利用者 "}) << CtlContext::text(v.at("name")) << ": "
              << CtlContext::text(v.at("role")) << (rights.empty() ? "" : " [" + rights + "]")
              << (disabled ? ctx_.say({", disabled", "、無効"}) : "") << "\n";
    return 0;
}

int UserCommands::roles() {
    using C = CtlContext;
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/roles");
    ReportTable t = ctx_.table({{"role", "役割"}, {"title", "肩書"}, {"standard title", "標準の名称"}});
    for (const auto& r : v.at("rows").as_array())
        t.add({C::text(r.at("role")), C::text(r.at("title")), C::text(r.at("standard_title"))});
    ctx_.emit(t, v, {"no roles", "役割はありません"});
    return 0;
}

int UserCommands::title() {
    // Neither a title nor --standard is a mistaken command, not a reset.
    if (title_.empty() && !standard_)
        throw CLI::ValidationError("TITLE", "give the title, or --standard to show the standard one again / "
                                            "肩書を指定してください（標準の名称に戻すときは --standard）");
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/roles/title",
                                    json::serialize(json::object{{"role", role_}, {"title", standard_ ? "" : title_}}));
    std::cout << CtlContext::text(v.at("role")) << ": " << CtlContext::text(v.at("title")) << "\n";
    return 0;
}

}  // namespace mamori::collector
