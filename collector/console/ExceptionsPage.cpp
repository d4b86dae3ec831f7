#include "collector/console/ExceptionsPage.h"

#include <boost/json.hpp>

#include "collector/AdminRole.h"
#include "mamori/common/UserError.h"

namespace mamori::collector {

namespace json = boost::json;
using H = HtmlPage;
using A = AnswerText;

std::string ExceptionsPage::act(const ConsoleContext& ctx, const std::string& action) {
    const FormData& f = ctx.input();
    json::object body;
    // Only what the form filled in: an empty field is absent, as an option not given.
    auto copy = [&](const char* field) {
        if (!f.text(field).empty()) body[field] = f.text(field);
    };
    if (action == "request") {
        const std::string scope = f.text("scope");
        if (scope != "terminal" && scope != "group")
            throw common::UserError::invalid("scope must be terminal or group, not '" + scope + "'",
                                             "適用範囲（scope）は terminal か group で指定してください（'" + scope + "'）");
        body[scope] = f.text("target");
        for (const char* k : {"control", "device", "access", "sha256", "path", "user", "reason", "until"}) copy(k);
        if (f.text("control") == "hours") body["hours_extension"] = true;
        const json::value v = ctx.post("/admin/v1/exceptions", body);
        return A::text(v.at("id"));
    }
    copy("id");
    copy("note");
    copy("reason");
    const json::value v = ctx.post(action == "approve" ? "/admin/v1/exceptions/approve" : "/admin/v1/exceptions/revoke", body);
    return A::text(v.at("id"));
}

std::string ExceptionsPage::render(const ConsoleContext& ctx) {
    HtmlPage page = ctx.page({"Exceptions", "例外措置"}, "/console/exceptions");
    const AdminUser& me = ctx.user();
    std::vector<std::vector<std::string>> rows;
    const json::array listed = ctx.rows("/admin/v1/exceptions");
    for (const auto& x : listed) {
        const std::string id = A::text(x.at("id")), state = A::text(x.at("state"));
        const std::string requester = A::text(x.at("requested_by"));
        std::string actions;
        // Approve and reject: offered only to whom the admin endpoint would let approve, and
        // never to the requester (who may withdraw their own request instead).
        auto form = [&](const char* to, const H::Words& label, const std::string& extra) {
            return "<form method=\"post\" action=\"/console/exceptions/" + std::string(to) + "\" class=\"inline\">" +
                   page.csrfField() + "<input type=\"hidden\" name=\"id\" value=\"" + H::esc(id) + "\">" + extra +
                   "<button type=\"submit\" id=\"" + std::string(to) + "-" + H::esc(id) + "\">" + H::esc(page.say(label)) +
                   "</button></form>";
        };
        const std::string reason_field = "<label for=\"reason-" + H::esc(id) + "\">" + H::esc(page.say({"Reason", "理由"})) +
                                         "</label> <input id=\"reason-" + H::esc(id) +
                                         "\" name=\"reason\" required size=\"12\"> ";
        if (state == "requested" && AdminRole::approves(me) && requester != me.name)
            actions += form("approve", {"Approve", "承認"}, "");
        if (state == "requested" && (AdminRole::operates(me) || AdminRole::approves(me) || requester == me.name))
            actions += form("revoke", {requester == me.name ? "Withdraw" : "Reject", requester == me.name ? "取り下げ" : "却下"},
                            reason_field);
        if (state == "active" && (AdminRole::operates(me) || AdminRole::approves(me)))
            actions += form("revoke", {"Revoke", "取り消し"}, reason_field);
        const std::string scope = A::text(x.at("terminal")).empty() ? page.say({"group ", "グループ "}) + A::text(x.at("group"))
                                                                    : page.say({"terminal ", "端末 "}) + A::text(x.at("terminal"));
        rows.push_back({H::esc(id), H::esc(state), H::esc(scope), H::esc(A::text(x.at("control"))),
                        H::esc(A::text(x.at("detail"))) +
                            (A::text(x.at("user")).empty() ? "" : " (" + H::esc(A::text(x.at("user"))) + ")"),
                        H::esc(A::text(x.at("reason"))), H::esc(A::text(x.at("until"))), H::esc(requester),
                        H::esc(A::text(x.at("approved_by"))), actions});
    }
    page.table({{"Exception", "例外措置"}, {"State", "状態"}, {"Scope", "対象"}, {"Control", "制御"}, {"Subject", "内容"},
                {"Reason", "理由"}, {"Until", "期限"}, {"Requested by", "申請者"}, {"Approved by", "承認者"},
                {"Actions", "操作"}},
               rows, {"No exceptions waiting or in force.", "申請中・有効な例外措置はありません。"}, "exception-list");

    if (AdminRole::requests(me)) {
        page.add("<h2>" + H::esc(page.say({"Request an exception", "例外措置の申請"})) + "</h2>\n"
                 "<form method=\"post\" action=\"/console/exceptions/request\" class=\"request\" id=\"request-form\">" +
                 page.csrfField() + "<fieldset><legend>" + H::esc(page.say({"Scope", "対象"})) + "</legend>" +
                 "<label for=\"scope\">" + H::esc(page.say({"Applies to", "適用範囲"})) + "</label> <select id=\"scope\" name=\"scope\">"
                 "<option value=\"terminal\">" + H::esc(page.say({"one terminal", "端末1台"})) + "</option>"
                 "<option value=\"group\">" + H::esc(page.say({"a whole section", "所属全体"})) + "</option></select> " +
                 H::field("target", page.say({"Terminal or section", "端末または所属"}), "required") + " " +
                 H::field("user", page.say({"Only for user (optional)", "対象の利用者（任意）"}), "") + "</fieldset>"
                 "<fieldset><legend>" + H::esc(page.say({"Subject", "内容"})) + "</legend>"
                 "<label for=\"control\">" + H::esc(page.say({"Control", "制御"})) + "</label> <select id=\"control\" name=\"control\">"
                 "<option value=\"usb\">usb</option><option value=\"software\">software</option>"
                 "<option value=\"hours\">hours</option></select> " +
                 H::field("device", page.say({"USB device VID:PID[:SERIAL]", "USB 機器 VID:PID[:SERIAL]"}), "") +
                 " <label for=\"access\">" + H::esc(page.say({"Access", "アクセス"})) + "</label> <select id=\"access\" name=\"access\">"
                 "<option value=\"read-only\">read-only</option><option value=\"read-write\">read-write</option></select> " +
                 H::field("path", page.say({"Program path", "プログラムのパス"}), "") + " " +
                 H::field("sha256", page.say({"or its SHA-256", "または SHA-256"}), "") + "</fieldset>"
                 "<fieldset><legend>" + H::esc(page.say({"Why and how long", "理由と期限"})) + "</legend>" +
                 H::field("reason", page.say({"Reason", "理由"}), "required") + " " +
                 H::field("until", page.say({"Until", "有効期限"}), "type=\"date\" required") + "</fieldset>"
                 "<button type=\"submit\" id=\"request-submit\">" + H::esc(page.say({"Request", "申請"})) + "</button></form>\n");
    }

    page.add("<h2>" + H::esc(page.say({"History", "履歴"})) + "</h2>\n");
    std::vector<std::vector<std::string>> history;
    const json::array changes = ctx.rows("/admin/v1/exceptions/history");
    // The newest first, at most a page of them.
    for (auto it = changes.rbegin(); it != changes.rend() && history.size() < 200; ++it)
        history.push_back({H::esc(A::time(it->at("at"))), H::esc(A::text(it->at("id"))), H::esc(A::text(it->at("actor"))),
                           H::esc(A::text(it->at("role"))), H::esc(A::text(it->at("action"))), H::esc(A::text(it->at("note")))});
    page.table({{"When", "日時"}, {"Exception", "例外措置"}, {"Who", "操作者"}, {"Role", "役割"}, {"What", "操作"}, {"Note", "備考"}},
               history, {"No changes yet.", "変更はまだありません。"}, "exception-history");
    return page.finish();
}

}  // namespace mamori::collector
