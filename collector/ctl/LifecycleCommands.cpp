#include "collector/ctl/LifecycleCommands.h"

#include <boost/json.hpp>
#include <iostream>

namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

LifecycleCommands::LifecycleCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* status = cli.command(cli.app(), "status",
                                   "the collector's certificates and when they expire (a warning from 90 days "
                                   "before), terminals in service and open enrollment tokens",
                                   "  mamorictl status\n  mamorictl status --format json", [this] { return this->status(); });
    ctx.addFormat(*status);

    CLI::App* token = cli.app().get_subcommand("token");
    CLI::App* list = cli.command(*token, "list", "every enrollment token: active, used, expired or revoked",
                                 "  mamorictl token list\n  mamorictl token list --format csv > tokens.csv",
                                 [this] { return listTokens(); });
    ctx.addFormat(*list);
    CLI::App* revoke = cli.command(*token, "revoke",
                                   "revoke an unused enrollment token: enrollment with it is refused from now on",
                                   "  mamorictl token revoke 3f2a9c01be47", [this] { return revokeToken(); });
    cli.required(revoke->add_option("ID", token_id_, "the token's id, as `mamorictl token list` shows it"),
                 "the token's id", "トークンID が指定されていません");

    CLI::App* terminal = cli.app().get_subcommand("terminal");
    CLI::App* decommission = cli.command(
        *terminal, "decommission",
        "take a terminal out of service (廃止): its certificate is refused from now on, it is no longer expected to "
        "report, and its evidence is kept, exported and verified as before",
        "  mamorictl terminal decommission pc-0123 --reason \"replaced by pc-0456; disk wiped 2026-04-01\"",
        [this] { return this->decommission(); });
    cli.required(decommission->add_option("TERMINAL", terminal_, "the terminal's id (see mamorictl terminals)"),
                 "the terminal", "端末IDが指定されていません");
    cli.required(decommission->add_option("--reason", reason_, "why it leaves service; kept with it"), "--reason",
                 "廃止の理由（--reason）が指定されていません");
}

int LifecycleCommands::status() {
    using C = CtlContext;
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/status");
    const std::string zone = C::text(v.at("time_zone"));
    ReportTable t = ctx_.table({{"certificate", "証明書"},
                                {"subject", "名前"},
                                CtlLanguage::zoned({"expires", "有効期限"}, zone),
                                {"days left", "残り日数"},
                                {"warning", "警告"}});
    std::string warnings;
    for (const auto& r : v.at("rows").as_array()) {
        const bool warn = r.at("warning").as_bool();
        const std::string name = C::text(r.at("certificate"));
        t.add({name == "ca" ? ctx_.say({"CA", "CA"}) : ctx_.say({"server", "サーバー"}), C::text(r.at("subject")),
               C::time(r.at("expires")), C::text(r.at("days_left")),
               warn ? ctx_.say({"expires within 90 days", "90日以内に期限切れ"}) : ""});
        if (warn) warnings += ctx_.say({"warning: ", "警告: "}) + name + ": " + C::text(r.at("advice")) + "\n";
        if (r.at("restart_needed").as_bool())
            warnings += ctx_.say({"note: a renewed " + name + " certificate is on disk; restart the collector to serve it\n",
                                  "注意: 更新済みの証明書があります。コレクターを再起動すると使われます\n"});
    }
    ctx_.emit(t, v, {"", ""});
    if (ctx_.format() == "table") {
        std::cout << warnings << ctx_.say({"terminals in service: ", "稼働中の端末: "}) << C::text(v.at("terminals_in_service"))
                  << ctx_.say({", decommissioned: ", "、廃止済み: "}) << C::text(v.at("terminals_decommissioned"))
                  << ctx_.say({"; active enrollment tokens: ", "。有効な登録トークン: "})
                  << C::text(v.at("enroll_tokens_active")) << "\n"
                  << "mamori-collector " << C::text(v.at("collector_version")) << "\n";
    }
    return 0;
}

int LifecycleCommands::listTokens() {
    using C = CtlContext;
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/enroll-tokens");
    const std::string zone = C::text(v.at("time_zone"));
    ReportTable t = ctx_.table({{"id", "ID"},
                                {"group", "グループ"},
                                {"state", "状態"},
                                CtlLanguage::zoned({"expires", "有効期限"}, zone),
                                {"created by", "発行者"},
                                CtlLanguage::zoned({"used or revoked", "使用・失効日時"}, zone),
                                {"revoked by", "失効させた人"}});
    for (const auto& r : v.at("rows").as_array()) {
        const std::string state = C::text(r.at("state"));
        const std::string state_ja = state == "active"    ? "有効"
                                     : state == "used"    ? "使用済み"
                                     : state == "expired" ? "期限切れ"
                                                          : "失効";
        t.add({C::text(r.at("id")), C::text(r.at("group")), ctx_.say({state, state_ja}), C::time(r.at("expires")),
               C::text(r.at("created_by")), C::time(r.at(state == "revoked" ? "revoked" : "used")),
               C::text(r.at("revoked_by"))});
    }
    ctx_.emit(t, v, {"no enrollment tokens have been created", "登録トークンはまだ発行されていません"});
    return 0;
}

int LifecycleCommands::revokeToken() {
    json::object body{{"id", token_id_}};
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/enroll-tokens/revoke", json::serialize(body));
    std::cout << "enrollment token " << CtlContext::text(v.at("id")) << " (group '" << CtlContext::text(v.at("group"))
              << "') is revoked: enrollment with it is refused from now on / 登録トークン "
              << CtlContext::text(v.at("id")) << " を失効させました\n";
    return 0;
}

int LifecycleCommands::decommission() {
    json::object body{{"terminal", terminal_}, {"reason", reason_}};
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/terminals/decommission", json::serialize(body));
    std::cout << "terminal " << CtlContext::text(v.at("terminal")) << " is decommissioned ("
              << CtlContext::time(v.at("decommissioned")) << "): its certificate is refused from now on; its "
              << CtlContext::text(v.at("head_seq")) << " events are kept and can be exported as before / 端末 "
              << CtlContext::text(v.at("terminal")) << " を廃止しました\n";
    return 0;
}

}  // namespace mamori::collector
