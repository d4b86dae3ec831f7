#include "collector/console/MediaPage.h"

#include <boost/json.hpp>

#include "collector/AdminRole.h"
#include "collector/MediaLedgerTable.h"
#include "collector/MediaRequest.h"

namespace mamori::collector {

namespace json = boost::json;
using H = HtmlPage;
using A = AnswerText;

std::string MediaPage::csv(const ConsoleContext& ctx) {
    return MediaLedgerTable::of(ctx.rows("/admin/v1/media", {{"section", ctx.input().text("section")}}), ctx.words()).csv();
}

std::string MediaPage::act(const ConsoleContext& ctx, const std::string& action) {
    const FormData& f = ctx.input();
    json::object body;
    for (const char* k : {"id", "from_event", "device", "section", "purpose", "access", "encrypted", "until", "description",
                          "erased_by", "method", "reason", "note"})
        if (!f.text(k).empty()) body[k] = f.text(k);
    const std::string path = action == "register" ? "/admin/v1/media" : "/admin/v1/media/" + action;
    return A::text(ctx.post(path, body).at("id"));
}

std::string MediaPage::render(const ConsoleContext& ctx) {
    const std::string section = ctx.input().text("section");
    const json::array ledger = ctx.rows("/admin/v1/media", {{"section", section}});
    HtmlPage page = ctx.page({"Media ledger", "媒体管理台帳"}, "/console/media");
    page.add("<p><a id=\"ledger-csv\" href=\"/console/media.csv" +
             (section.empty() ? std::string() : "?section=" + H::esc(H::query(section))) + "\" download>" +
             H::esc(page.say({"Download the ledger (CSV)", "台帳を CSV でダウンロード"})) + "</a></p>\n");
    page.report(MediaLedgerTable::of(ledger, ctx.words()), {"The media ledger is empty.", "媒体管理台帳に登録はありません。"},
                "ledger");

    // What this user may do to each entry, as the admin endpoint would allow it.
    const AdminUser& me = ctx.user();
    std::vector<std::vector<std::string>> actions;
    auto form = [&](const std::string& to, const std::string& id, const H::Words& label, const std::string& fields) {
        return "<form method=\"post\" action=\"/console/media/" + to + "\" class=\"inline\">" + page.csrfField() +
               "<input type=\"hidden\" name=\"id\" value=\"" + H::esc(id) + "\">" + fields + "<button type=\"submit\" id=\"" +
               to + "-" + H::esc(id) + "\">" + H::esc(page.say(label)) + "</button></form>";
    };
    for (const auto& m : ledger) {
        const std::string id = A::text(m.at("id")), state = A::text(m.at("state"));
        const std::string requester =
            state == "retiring" ? A::text(m.at("retire_requested_by")) : A::text(m.at("requested_by"));
        std::string cell;
        if ((state == "requested" || state == "retiring") && AdminRole::approves(me) && requester != me.name)
            cell += form("approve", id, {"Approve", "承認"}, "");
        if (state == "requested" && (AdminRole::operates(me) || AdminRole::approves(me) || requester == me.name))
            cell += form("withdraw", id, {"Withdraw", "取り下げ"},
                         "<label for=\"withdraw-why-" + H::esc(id) + "\">" + H::esc(page.say({"Reason", "理由"})) +
                             "</label> <input id=\"withdraw-why-" + H::esc(id) + "\" name=\"reason\" required size=\"10\"> ");
        if ((state == "active" || state == "expired") && AdminRole::requests(me)) {
            std::string methods = "<select id=\"method-" + H::esc(id) + "\" name=\"method\">";
            for (const auto& method : MediaRequest::retireMethods()) methods += "<option>" + H::esc(method) + "</option>";
            methods += "</select> ";
            cell += form("retire", id, {"Retire", "廃棄"},
                         "<label for=\"erased-" + H::esc(id) + "\">" + H::esc(page.say({"Erased by", "消去実施者"})) +
                             "</label> <input id=\"erased-" + H::esc(id) + "\" name=\"erased_by\" required size=\"8\"> " +
                             "<label for=\"method-" + H::esc(id) + "\">" + H::esc(page.say({"Method", "方法"})) + "</label> " +
                             methods + "<label for=\"why-" + H::esc(id) + "\">" + H::esc(page.say({"Reason", "理由"})) +
                             "</label> <input id=\"why-" + H::esc(id) + "\" name=\"reason\" required size=\"10\"> ");
        }
        if (!cell.empty()) actions.push_back({H::esc(id), H::esc(A::text(m.at("device"))), H::esc(state), cell});
    }
    if (!actions.empty()) {
        page.add("<h2>" + H::esc(page.say({"Actions", "操作"})) + "</h2>\n");
        page.table({{"Ledger no", "台帳番号"}, {"Device", "媒体"}, {"State", "状態"}, {"Actions", "操作"}}, actions, {"", ""},
                   "media-actions");
    }

    if (AdminRole::requests(me)) {
        const std::string from_event = ctx.input().text("from_event");
        page.add("<h2>" + H::esc(page.say({"Register a stick", "媒体の登録申請"})) + "</h2>\n"
                 "<form method=\"post\" action=\"/console/media/register\" id=\"register-form\">" + page.csrfField() + "<p>" +
                 H::field("from_event", page.say({"From the event of a refused stick (TERMINAL:SEQ)", "拒否された媒体のイベント（端末:連番）"}),
                          "value=\"" + H::esc(from_event) + "\"") +
                 " " + H::field("device", page.say({"or the device VID:PID:SERIAL", "または機器 VID:PID:SERIAL"}), "") + "</p><p>" +
                 H::field("section", page.say({"Keeping section (default: the terminal's)", "管理所属（省略時は端末の所属）"}), "") + " " +
                 H::field("description", page.say({"Description", "品名"}), "") + "</p><p>" +
                 H::field("purpose", page.say({"Purpose", "用途"}), "required") + " <label for=\"access\">" +
                 H::esc(page.say({"Access", "アクセス"})) +
                 "</label> <select id=\"access\" name=\"access\"><option value=\"read-only\">read-only</option>"
                 "<option value=\"read-write\">read-write</option></select> <label for=\"encrypted\">" +
                 H::esc(page.say({"Encrypted", "暗号化"})) + "</label> <select id=\"encrypted\" name=\"encrypted\"><option value=\"yes\">" +
                 H::esc(page.say({"yes", "はい"})) + "</option><option value=\"no\">" + H::esc(page.say({"no", "いいえ"})) +
                 "</option></select> " + H::field("until", page.say({"Until", "有効期限"}), "type=\"date\" required") +
                 "</p><button type=\"submit\" id=\"register-submit\">" + H::esc(page.say({"Register", "登録申請"})) +
                 "</button></form>\n");
    }
    return page.finish();
}

}  // namespace mamori::collector
