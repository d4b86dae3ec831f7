#include "collector/ctl/ExceptionCommands.h"

#include <boost/json.hpp>
#include <iostream>

namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

ExceptionCommands::ExceptionCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* exception = cli.group(cli.app(), "exception", "approved exceptions (例外措置): grant, list");
    CLI::App* grant =
        cli.command(*exception, "grant",
                    "an approved exception for one terminal or group; agents get it at their next sync and drop it "
                    "at expiry",
                    "  mamorictl exception grant --terminal pc-0123 --control usb --device 0781:5581:4C530001 \\\n"
                    "      --until 2026-12-01 --reason 選挙事務 --requested-by sato --approved-by suzuki\n"
                    "  mamorictl exception grant --group 税務課 --control hours --hours-extension \\\n"
                    "      --until 2027-03-31 --reason 確定申告期 --requested-by tanaka --approved-by suzuki",
                    [this] { return this->grant(); });
    auto* terminal = grant->add_option("--terminal", terminal_, "the terminal it applies to")->type_name("T");
    grant->add_option("--group", group_, "or the group it applies to")->type_name("G")->excludes(terminal);
    cli.required(grant->add_option("--control", control_, "usb, software or hours")
                     ->type_name("C")
                     ->check(CLI::IsMember({"usb", "software", "hours"})),
                 "the control", "対象の制御（--control usb|software|hours）が指定されていません");
    grant->add_option("--device", device_, "usb: the device, VID:PID:SERIAL")->type_name("VID:PID:SERIAL");
    grant->add_option("--software", software_, "software: the program's SHA-256")->type_name("SHA256");
    grant->add_flag("--hours-extension", hours_extension_, "hours: use outside the permitted hours");
    cli.required(grant->add_option("--until", until_, "the last local date it applies (the expiry)")
                     ->type_name("YYYY-MM-DD")
                     ->check(CtlContext::dateFormat()),
                 "the expiry", "有効期限（--until）が指定されていません");
    cli.required(grant->add_option("--reason", reason_, "why")->type_name("TEXT"), "the reason",
                 "理由（--reason）が指定されていません");
    cli.required(grant->add_option("--requested-by", requested_by_, "who asked")->type_name("NAME"), "the requester",
                 "申請者（--requested-by）が指定されていません");
    cli.required(grant->add_option("--approved-by", approved_by_, "who approved (not the requester)")->type_name("NAME"),
                 "the approver", "承認者（--approved-by）が指定されていません");

    CLI::App* list = cli.command(*exception, "list", "exceptions in force (or ending within N days)",
                                 "  mamorictl exception list\n  mamorictl exception list --expiring 7d",
                                 [this] { return this->list(); });
    list->add_option("--expiring", expiring_, "only those ending within this many days, e.g. 7d")
        ->type_name("Nd")
        ->check(CLI::Validator(
            [](std::string& s) -> std::string {
                if (s.size() < 2 || s.back() != 'd' || s.find_first_not_of("0123456789") != s.size() - 1)
                    return "takes a number of days, e.g. 7d / 日数を 7d のように指定してください";
                return {};
            },
            ""));
    ctx.addFormat(*list);
}

int ExceptionCommands::grant() {
    json::object body{{"control", control_},
                      {"until", until_},
                      {"reason", reason_},
                      {"requested_by", requested_by_},
                      {"approved_by", approved_by_}};
    if (!terminal_.empty()) body["terminal"] = terminal_;
    if (!group_.empty()) body["group"] = group_;
    if (!device_.empty()) body["device"] = device_;
    if (!software_.empty()) body["software"] = software_;
    if (hours_extension_) body["hours_extension"] = true;
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/exceptions", json::serialize(body));
    const std::string terminal = CtlContext::text(v.at("terminal"));
    std::cout << "exception " << CtlContext::text(v.at("id")) << " granted until " << CtlContext::text(v.at("until"))
              << " for " << (terminal.empty() ? "group '" + CtlContext::text(v.at("group")) + "'" : "terminal " + terminal)
              << " (policy version " << CtlContext::text(v.at("version")) << "); terminals take it at their next sync\n";
    return 0;
}

int ExceptionCommands::list() {
    using C = CtlContext;
    const std::string q = expiring_.empty() ? "" : "?expiring_days=" + expiring_.substr(0, expiring_.size() - 1);
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/exceptions" + q);
    ReportTable t = ctx_.table({{"id", "ID"},
                                {"scope", "対象"},
                                {"control", "制御"},
                                {"detail", "内容"},
                                {"until", "有効期限"},
                                {"reason", "理由"},
                                {"requested by", "申請者"},
                                {"approved by", "承認者"}});
    for (const auto& r : v.at("rows").as_array())
        t.add({C::text(r.at("id")),
               C::text(r.at("terminal")).empty() ? ctx_.say({"group ", "グループ "}) + C::text(r.at("group"))
                                                 : C::text(r.at("terminal")),
               C::text(r.at("control")), C::text(r.at("detail")), C::text(r.at("until")), C::text(r.at("reason")),
               C::text(r.at("requested_by")), C::text(r.at("approved_by"))});
    const std::string days = expiring_.substr(0, expiring_.empty() ? 0 : expiring_.size() - 1);
    ctx_.emit(t, v,
              expiring_.empty() ? CtlLanguage::Words{"no exceptions in force", "有効な例外措置はありません"}
                                : CtlLanguage::Words{"no exceptions end within " + expiring_,
                                                     days + " 日以内に期限を迎える例外措置はありません"});
    return 0;
}

}  // namespace mamori::collector
