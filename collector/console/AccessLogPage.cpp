#include "collector/console/AccessLogPage.h"

#include <boost/json.hpp>

namespace mamori::collector {

using H = HtmlPage;
using A = AnswerText;

std::string AccessLogPage::render(const ConsoleContext& ctx) {
    const std::string since = ctx.input().text("since");
    const auto v = ctx.get("/admin/v1/access-log", {{"since", since}, {"limit", "1000"}});
    HtmlPage page = ctx.page({"Access log", "アクセス記録"}, "/console/access-log");
    page.add("<form method=\"get\" action=\"/console/access-log\" class=\"filters\">" +
             H::field("since", page.say({"Since", "開始日"}), "type=\"date\" value=\"" + H::esc(since) + "\"") +
             " <button type=\"submit\">" + H::esc(page.say({"Show", "表示"})) + "</button></form>\n");
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : v.at("rows").as_array()) {
        const std::string terminal = A::text(a.at("terminal"));
        rows.push_back({H::esc(A::time(a.at("at"))), H::esc(A::text(a.at("user"))), H::esc(A::text(a.at("role"))),
                        terminal.empty() ? "" : "<a href=\"/console/terminal?id=" + H::esc(H::query(terminal)) + "\">" + H::esc(terminal) + "</a>",
                        H::esc(A::text(a.at("action")))});
    }
    page.table({{"When", "日時"}, {"Who", "利用者"}, {"Role", "役割"}, {"Terminal", "端末"}, {"What", "内容"}}, rows,
               {"Nothing recorded in this period.", "この期間の記録はありません。"}, "access-log");
    return page.finish();
}

}  // namespace mamori::collector
