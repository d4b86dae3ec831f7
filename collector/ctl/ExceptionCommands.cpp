#include "collector/ctl/ExceptionCommands.h"

#include <boost/json.hpp>
#include <iostream>


namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

ExceptionCommands::ExceptionCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* exception = cli.group(cli.app(), "exception",
                                    "exceptions (例外措置): request, approve (another account), revoke, list, history");
    CLI::App* request = cli.command(
        *exception, "request",
        "ask for an exception for one terminal or group (optionally one user there); it applies once another "
        "account approves it",
        "  mamorictl exception request --terminal pc-0123 --control usb --device 0781:5581:4C530001 \\\n"
        "      --until 2026-12-20 --reason 選挙事務\n"
        "  mamorictl exception request --group 税務課 --control hours --hours-extension \\\n"
        "      --until 2027-03-15 --reason 確定申告期",
        [this] { return this->request(); });
    auto* terminal = request->add_option("--terminal", terminal_, "the terminal it applies to")->type_name("T");
    request->add_option("--group", group_, "or the group (所属) it applies to")->type_name("G")->excludes(terminal);
    request->add_option("--user", user_, "only this user's sessions there")->type_name("USER");
    cli.required(request->add_option("--control", control_, "usb, software or hours")
                     ->type_name("C")
                     ->check(CLI::IsMember({"usb", "software", "hours"})),
                 "the control", "対象の制御（--control usb|software|hours）が指定されていません");
    request->add_option("--device", device_, "usb: the device, VID:PID[:SERIAL] as lsusb shows it")
        ->type_name("VID:PID[:SERIAL]");
    request->add_option("--access", access_, "usb: read-only (default) or read-write")
        ->type_name("A")
        ->check(CLI::IsMember({"read-only", "read-write"}));
    request->add_option("--sha256", sha256_, "software: the program's SHA-256")->type_name("HEX");
    request->add_option("--path", path_, "software: or the program's absolute path")->type_name("PATH");
    request->add_flag("--hours-extension", hours_extension_, "hours: use outside the permitted hours");
    cli.required(request->add_option("--until", until_, "the last local date it applies (the expiry)")
                     ->type_name("YYYY-MM-DD")
                     ->check(CtlContext::dateFormat()),
                 "the expiry", "有効期限（--until）が指定されていません");
    cli.required(request->add_option("--reason", reason_, "why")->type_name("TEXT"), "the reason",
                 "理由（--reason）が指定されていません");

    CLI::App* approve = cli.command(*exception, "approve",
                                    "approve a requested exception (the CISO, or an account granted 'approve'; "
                                    "never the requester); terminals take it at their next sync",
                                    "  mamorictl exception approve ex-3f2a9c01b7d4 --note 副市長決裁済",
                                    [this] { return this->approve(); });
    cli.required(approve->add_option("ID", id_, "the exception's id"), "the exception's id",
                 "例外措置の ID が指定されていません");
    approve->add_option("--note", note_, "kept with the approval")->type_name("TEXT");

    CLI::App* revoke = cli.command(*exception, "revoke",
                                   "end an exception (or withdraw a request) before its expiry; terminals drop it "
                                   "at their next sync",
                                   "  mamorictl exception revoke ex-3f2a9c01b7d4 --reason 業務終了",
                                   [this] { return this->revoke(); });
    cli.required(revoke->add_option("ID", id_, "the exception's id"), "the exception's id",
                 "例外措置の ID が指定されていません");
    cli.required(revoke->add_option("--reason", reason_, "why; kept with the exception")->type_name("TEXT"),
                 "the reason", "理由（--reason）が指定されていません");

    CLI::App* list = cli.command(*exception, "list",
                                 "exceptions in force and waiting for approval, or those of one state",
                                 "  mamorictl exception list\n  mamorictl exception list --state requested\n"
                                 "  mamorictl exception list --state expired --section 税務課\n"
                                 "  mamorictl exception list --expiring 7d",
                                 [this] { return this->list(); });
    list->add_option("--state", state_, "requested, active, expired or revoked")
        ->type_name("S")
        ->check(CLI::IsMember({"requested", "active", "expired", "revoked"}));
    list->add_option("--section", section_, "only those of this section")->type_name("S");
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

    CLI::App* history = cli.command(*exception, "history",
                                    "who requested, approved and revoked, when and why (one exception, or all)",
                                    "  mamorictl exception history ex-3f2a9c01b7d4\n  mamorictl exception history "
                                    "--format csv > 例外措置記録.csv",
                                    [this] { return this->history(); });
    history->add_option("ID", id_, "the exception's id (default: all)");
    ctx.addFormat(*history);
}

void ExceptionCommands::say(const json::value& v, const CtlLanguage::Words& done) const {
    const std::string terminal = CtlContext::text(v.at("terminal"));
    const std::string scope = terminal.empty() ? ctx_.say({"group ", "グループ "}) + CtlContext::text(v.at("group"))
                                               : ctx_.say({"terminal ", "端末 "}) + terminal;
    std::cout << ctx_.say({"exception ", "例外措置 "}) << CtlContext::text(v.at("id")) << " " << ctx_.say(done) << " ("
              << scope << ", " << CtlContext::text(v.at("control")) << " " << CtlContext::text(v.at("detail"))
              << ctx_.say({", until ", "、有効期限 "}) << CtlContext::text(v.at("until")) << ")\n";
}

int ExceptionCommands::request() {
    json::object body{{"control", control_}, {"until", until_}, {"reason", reason_}};
    if (!terminal_.empty()) body["terminal"] = terminal_;
    if (!group_.empty()) body["group"] = group_;
    if (!user_.empty()) body["user"] = user_;
    if (!device_.empty()) body["device"] = device_;
    if (control_ == "usb") body["access"] = access_;
    if (!sha256_.empty()) body["sha256"] = sha256_;
    if (!path_.empty()) body["path"] = path_;
    if (hours_extension_) body["hours_extension"] = true;
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/exceptions", json::serialize(body));
    say(v, {"requested; it applies once another account approves it (mamorictl exception approve ID)",
            "を申請しました。別の利用者が承認すると適用されます（mamorictl exception approve ID）"});
    return 0;
}

int ExceptionCommands::approve() {
    json::object body{{"id", id_}};
    if (!note_.empty()) body["note"] = note_;
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/exceptions/approve", json::serialize(body));
    say(v, {"approved; terminals in its scope take it at their next sync",
            "を承認しました。対象の端末は次回の同期で適用します"});
    return 0;
}

int ExceptionCommands::revoke() {
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/exceptions/revoke",
                                    json::serialize(json::object{{"id", id_}, {"reason", reason_}}));
    say(v, {"revoked; terminals in its scope drop it at their next sync",
            "を取り消しました。対象の端末は次回の同期で適用をやめます"});
    return 0;
}

int ExceptionCommands::list() {
    using C = CtlContext;
    const std::string q = CtlConnection::query(
        {{"state", state_},
         {"section", section_},
         {"expiring_days", expiring_.empty() ? "" : expiring_.substr(0, expiring_.size() - 1)}});
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/exceptions" + q);
    ReportTable t = ctx_.table({{"id", "ID"},
                                {"state", "状態"},
                                {"scope", "対象"},
                                {"user", "利用者"},
                                {"control", "制御"},
                                {"detail", "内容"},
                                {"until", "有効期限"},
                                {"reason", "理由"},
                                {"requested by", "申請者"},
                                {"approved by", "承認者"}});
    for (const auto& r : v.at("rows").as_array())
        t.add({C::text(r.at("id")), C::text(r.at("state")),
               C::text(r.at("terminal")).empty() ? ctx_.say({"group ", "グループ "}) + C::text(r.at("group"))
                                                 : C::text(r.at("terminal")),
               C::text(r.at("user")), C::text(r.at("control")), C::text(r.at("detail")), C::text(r.at("until")),
               C::text(r.at("reason")), C::text(r.at("requested_by")), C::text(r.at("approved_by"))});
    const std::string days = expiring_.substr(0, expiring_.empty() ? 0 : expiring_.size() - 1);
    ctx_.emit(t, v,
              !expiring_.empty() ? CtlLanguage::Words{"no exceptions end within " + expiring_,
                                                      days + " 日以内に期限を迎える例外措置はありません"}
              : !state_.empty()  ? CtlLanguage::Words{"no exceptions are " + state_, state_ + " の例外措置はありません"}
                                 : CtlLanguage::Words{"no exceptions in force or requested",
                                                     "有効な例外措置も申請中の例外措置もありません"});
    return 0;
}

int ExceptionCommands::history() {
    using C = CtlContext;
    auto v = ctx_.connection().call(
        Verb::get, "/admin/v1/exceptions/history" + (id_.empty() ? "" : "?id=" + CtlConnection::encode(id_)));
    ReportTable t = ctx_.table(
        {{"id", "ID"}, {"at", "日時"}, {"account", "利用者"}, {"role", "役割"}, {"action", "操作"}, {"note", "理由・備考"}});
    for (const auto& r : v.at("rows").as_array())
        t.add({C::text(r.at("id")), C::time(r.at("at")), C::text(r.at("actor")), C::text(r.at("role")),
               C::text(r.at("action")), C::text(r.at("note"))});
    ctx_.emit(t, v, {"no changes recorded", "記録はありません"});
    return 0;
}

}  // namespace mamori::collector
