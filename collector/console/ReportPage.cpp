#include "collector/console/ReportPage.h"

#include <boost/json.hpp>

#include "collector/MonthlyReportTables.h"

namespace mamori::collector {

namespace json = boost::json;
using H = HtmlPage;
using A = AnswerText;

std::string ReportPage::month(const ConsoleContext& ctx) {
    const std::string asked = ctx.input().text("month");
    if (!asked.empty()) return asked;
    // This month where the municipality is.
    return A::text(ctx.get("/admin/v1/sections").at("today")).substr(0, 7);
}

std::string ReportPage::csv(const ConsoleContext& ctx) {
    const json::value v =
        ctx.get("/admin/v1/report/monthly", {{"month", month(ctx)}, {"section", ctx.input().text("section")}});
    return MonthlyReportTables::of(v, ctx.words()).long_form.csv();
}

std::string ReportPage::render(const ConsoleContext& ctx) {
    const std::string m = month(ctx), section = ctx.input().text("section");
    const json::value v = ctx.get("/admin/v1/report/monthly", {{"month", m}, {"section", section}});
    const auto tables = MonthlyReportTables::of(v, ctx.words());
    HtmlPage page = ctx.page({"Monthly report " + m, "月次点検 " + m}, "/console/report");
    const std::string judged = A::text(v.at("judged_through"));
    page.add("<form method=\"get\" action=\"/console/report\" class=\"filters\">" +
             H::field("month", page.say({"Month", "対象月"}), "type=\"month\" value=\"" + H::esc(m) + "\"") + " " +
             H::field("section", page.say({"Section (empty: all)", "所属（空欄: すべて）"}), "value=\"" + H::esc(section) + "\"") +
             " <button type=\"submit\">" + H::esc(page.say({"Show", "表示"})) + "</button></form>\n"
             "<p class=\"actions\"><a id=\"report-csv\" href=\"/console/report.csv?month=" + H::esc(H::query(m)) +
             (section.empty() ? "" : "&amp;section=" + H::esc(H::query(section))) + "\" download>" +
             H::esc(page.say({"Download CSV", "CSV をダウンロード"})) + "</a> <button type=\"button\" id=\"print\">" +
             H::esc(page.say({"Print", "印刷"})) + "</button></p>\n<p>" + H::esc(A::text(v.at("time_zone"))) + "; " +
             H::esc(judged.empty() ? page.say({"reporting judged on no day yet", "報告状況の判定日はまだありません"})
                                   : page.say({"reporting judged through ", "報告状況の判定: "}) + judged) +
             "</p>\n<h2>" + H::esc(page.say({"Violations by control", "制御別違反件数"})) + "</h2>\n");
    page.report(tables.by_control, {"No terminals.", "端末はありません。"}, "by-control");
    page.add("<h2>" + H::esc(page.say({"Terminals most days in violation", "違反日数の多い端末"})) + "</h2>\n");
    page.report(tables.top, {"No violations this month.", "今月の違反はありません。"}, "top");
    page.add("<h2>" + H::esc(page.say({"Business days not reporting", "開庁日の未報告日数"})) + "</h2>\n");
    page.report(tables.silent, {"Every terminal reported every business day.", "全端末が開庁日に毎日報告しています。"}, "silent");
    // The seals a checked report carries on paper.
    page.add("<table class=\"seals\" id=\"seals\"><tr><th scope=\"col\">" + H::esc(page.say({"Section chief", "所属長"})) +
             "</th><th scope=\"col\">" + H::esc(page.say({"Security administrator", "情報セキュリティ管理者"})) +
             "</th><th scope=\"col\">" + H::esc(page.say({"CISO", "最高情報セキュリティ責任者"})) +
             "</th></tr><tr><td></td><td></td><td></td></tr></table>\n");
    return page.finish();
}

}  // namespace mamori::collector
