#include "collector/ctl/TerminalCommands.h"

#include <boost/json.hpp>
#include <iostream>

namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

TerminalCommands::TerminalCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* token = cli.group(cli.app(), "token", "enrollment tokens for new terminals");
    CLI::App* create = cli.command(*token, "create", "a one-time enrollment token for a terminal (printed on stdout)",
                                   "  mamorictl token create --group 市民課\n"
                                   "  mamorictl token create --group 市民課 --valid-hours 72",
                                   [this] { return createToken(); });
    create->add_option("--group", group_, "the section (所属) or network tier the terminal joins (default: default)")
        ->type_name("G");
    create->add_option("--valid-hours", valid_hours_, "how long the token may be used, 1 to 2160 hours (default 24)")
        ->type_name("N")
        ->check(CLI::Range(1, 24 * 90));

    CLI::App* terminals = cli.command(cli.app(), "terminals", "enrolled terminals and whether they report",
                                      "  mamorictl terminals\n  mamorictl terminals --section 市民課\n"
                                      "  mamorictl terminals --format csv > terminals.csv",
                                      [this] { return list(); });
    terminals->add_option("--section", section_, "only this section (所属); an unknown one is refused")
        ->type_name("S");
    ctx.addFormat(*terminals);

    CLI::App* terminal = cli.group(cli.app(), "terminal", "change an enrolled terminal");
    CLI::App* set_group =
        cli.command(*terminal, "set-group",
                    "move a terminal to another section or tier; its new group's policy is re-issued to it",
                    "  mamorictl terminal set-group pc-0123 住民課", [this] { return setGroup(); });
    cli.required(set_group->add_option("TERMINAL", terminal_, "the terminal's id (see mamorictl terminals)"),
                 "the terminal", "端末IDが指定されていません");
    cli.required(set_group->add_option("GROUP", new_group_, "the section or tier it moves to"), "the group",
                 "移動先のグループが指定されていません");
    CLI::App* resolve = cli.command(
        *terminal, "resolve-tampering",
        "clear a terminal's 'tampering suspected' state once it has been investigated (admin or CISO); the note "
        "is kept in the access log",
        "  mamorictl terminal resolve-tampering pc-0123 --note \"journal restored from backup by mistake; ticket 4711\"",
        [this] { return resolveTampering(); });
    cli.required(resolve->add_option("TERMINAL", terminal_, "the terminal's id (see mamorictl terminals)"),
                 "the terminal", "端末IDが指定されていません");
    cli.required(resolve->add_option("--note", note_, "what the investigation found"), "--note",
                 "調査結果（--note）が指定されていません");
}

int TerminalCommands::createToken() {
    json::object body{{"group", group_}, {"valid_hours", valid_hours_}};
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/enroll-tokens", json::serialize(body));
    std::cout << CtlContext::text(v.at("token")) << "\n";
    std::cerr << "one-time token " << CtlContext::text(v.at("id")) << " for group '" << CtlContext::text(v.at("group"))
              << "', valid until " << CtlContext::text(v.at("expires")) << " (revoke it with mamorictl token revoke "
              << CtlContext::text(v.at("id")) << ")\n";
    return 0;
}

int TerminalCommands::list() {
    using C = CtlContext;
    const std::string q = section_.empty() ? "" : "?section=" + CtlConnection::encode(section_);
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/terminals" + q);
    const std::string zone = C::text(v.at("time_zone"));
    ReportTable t = ctx_.table({{"terminal", "端末"},
                                {"section", "所属"},
                                {"policy", "ポリシー"},
                                CtlLanguage::zoned({"last seen", "最終受信"}, zone),
                                {"events", "イベント数"},
                                {"presence", "状態"},
                                {"clock skew ms", "時刻のずれ(ms)"},
                                CtlLanguage::zoned({"tampering suspected since", "改ざんの疑い（発生時刻）"}, zone)});
    const std::string never = ctx_.say({"never", "未受信"});
    for (const auto& r : v.at("rows").as_array()) {
        t.add({C::text(r.at("id")), C::text(r.at("group")), C::text(r.at("policy_version")),
               C::time(r.at("last_seen"), never), C::text(r.at("head_seq")), ctx_.language().status(C::text(r.at("presence"))),
               C::text(r.at("clock_skew_ms")) + (r.at("clock_wrong").as_bool() ? ctx_.say({" (wrong)", "（誤り）"}) : ""),
               C::time(r.at("tampering_since"))});
    }
    ctx_.emit(t, v,
              section_.empty() ? CtlLanguage::Words{"no terminals are enrolled yet", "登録済みの端末はありません"}
                               : CtlLanguage::Words{"no terminals in " + section_, section_ + " の端末はありません"});
    return 0;
}

int TerminalCommands::resolveTampering() {
    json::object body{{"terminal", terminal_}, {"note", note_}};
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/terminals/resolve-tampering", json::serialize(body));
    std::cout << "terminal " << CtlContext::text(v.at("terminal")) << ": the tampering suspicion since "
              << CtlContext::text(v.at("since")) << " (" << CtlContext::text(v.at("detail")) << ") is resolved\n";
    return 0;
}

int TerminalCommands::setGroup() {
    json::object body{{"terminal", terminal_}, {"group", new_group_}};
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/terminals/group", json::serialize(body));
    std::cout << "terminal " << CtlContext::text(v.at("terminal")) << " moved from group '"
              << CtlContext::text(v.at("previous_group")) << "' to '" << CtlContext::text(v.at("group"))
              << "'; it takes that group's policy at its next sync";
    if (v.as_object().contains("reissued_version"))
        std::cout << " (re-issued as version " << CtlContext::text(v.at("reissued_version")) << ")";
    std::cout << "\n";
    return 0;
}

}  // namespace mamori::collector
