#include "collector/console/TodayPage.h"

#include <boost/json.hpp>
#include <map>
#include <set>
#include <sstream>

#include "collector/DailyCompliance.h"
#include "collector/StatusWords.h"

namespace mamori::collector {

namespace json = boost::json;

std::string TodayPage::render(const ConsoleContext& ctx) {
    const FormData& in = ctx.input();
    const std::string section = in.text("section"), control = in.text("control");
    const json::value v = ctx.get("/admin/v1/violations",
                                  {{"date", in.text("date")}, {"section", section}, {"control", control}});
    // The sections this user may filter by.
    std::vector<std::string> sections;
    for (const auto& s : ctx.rows("/admin/v1/sections"))
        sections.push_back(AnswerText::text(s.at("section")));

    const std::string date = AnswerText::text(v.at("date"));
    HtmlPage page = ctx.page({"Today's violations", "今日の違反"}, "/console/today");
    using H = HtmlPage;
    const auto& rows = v.at("rows").as_array();

    // Counts first: what a section chief reads before anything else.
    std::set<std::string> violating, silent, tampered, off;
    uint64_t events = 0;
    for (const auto& r : rows) {
        const std::string status = AnswerText::text(r.at("status")), terminal = AnswerText::text(r.at("terminal"));
        if (status == "violation" || status == "standing") violating.insert(terminal);
        if (status == "not reporting") silent.insert(terminal);
        if (status == "tampering suspected") tampered.insert(terminal);
        if (status == "off" || status == "off-hours") off.insert(terminal);
        if (r.at("violations").is_int64()) events += static_cast<uint64_t>(r.at("violations").as_int64());
    }
    auto count = [&](const char* id, const H::Words& what, size_t n) {
        return "<div class=\"count\" id=\"" + std::string(id) + "\"><span class=\"n\">" + std::to_string(n) +
               "</span> " + H::esc(page.say(what)) + "</div>";
    };
    page.add("<p class=\"date\">" + H::esc(date) + " (" + H::esc(AnswerText::text(v.at("time_zone"))) + ")</p>\n");
    page.add("<section class=\"counts\" aria-label=\"" + H::esc(page.say({"Counts", "件数"})) + "\">" +
             count("count-violating", {"terminals in violation", "違反端末"}, violating.size()) +
             count("count-events", {"violation events", "違反件数"}, events) +
             count("count-silent", {"not reporting", "未報告"}, silent.size()) +
             count("count-tampering", {"tampering suspected", "改ざんの疑い"}, tampered.size()) +
             count("count-off", {"off or outside hours", "電源断・時間外"}, off.size()) + "</section>\n");

    // The filters: a GET form, so a filtered view is a link one can send.
    std::string form = "<form method=\"get\" action=\"/console/today\" class=\"filters\">" +
                       H::field("date", page.say({"Date", "日付"}), "type=\"date\" value=\"" + H::esc(date) + "\"") +
                       " <label for=\"section\">" + H::esc(page.say({"Section", "所属"})) +
                       "</label> <select id=\"section\" name=\"section\"><option value=\"\">" +
                       H::esc(page.say({"all", "すべて"})) + "</option>";
    for (const auto& s : sections)
        form += "<option" + std::string(s == section ? " selected" : "") + ">" + H::esc(s) + "</option>";
    form += "</select> <label for=\"control\">" + H::esc(page.say({"Control", "制御"})) +
            "</label> <select id=\"control\" name=\"control\"><option value=\"\">" + H::esc(page.say({"all", "すべて"})) +
            "</option>";
    // Every control a row can name, as DailyCompliance lists them ("usb, hours, ...").
    std::istringstream controls(DailyCompliance::controlNames());
    for (std::string c; std::getline(controls >> std::ws, c, ',');)
        form += "<option" + std::string(c == control ? " selected" : "") + ">" + H::esc(c) + "</option>";
    form += "</select> <button type=\"submit\">" + H::esc(page.say({"Show", "表示"})) + "</button></form>\n";
    page.add(form);

    // By section, then terminal, then control: the order an administrator walks it.
    std::map<std::tuple<std::string, std::string, std::string>, const json::object*> ordered;
    for (const auto& r : rows)
        ordered[{AnswerText::text(r.at("section")), AnswerText::text(r.at("terminal")),
                 AnswerText::text(r.at("control"))}] = &r.as_object();
    std::vector<std::vector<std::string>> table;
    for (const auto& [key, r] : ordered) {
        const auto& [sec, terminal, ctl] = key;
        const std::string status = AnswerText::text(r->at("status")), since = AnswerText::text(r->at("since"));
        std::string shown = H::esc(StatusWords::describe(status, since, date, ctx.japanese()));
        // A violation whose condition began this day is new: what needs a look first.
        if (status == "violation" && (since.empty() || since == date))
            shown = "<span class=\"new\">" + H::esc(page.say({"new", "新規"})) + "</span> " + shown;
        table.push_back({H::esc(sec),
                         "<a href=\"/console/terminal?id=" + H::esc(H::query(terminal)) + "\">" + H::esc(terminal) + "</a>",
                         H::esc(ctl), "<span class=\"status " + H::esc(status == "violation" ? "violation" : "other") +
                                          "\">" + shown + "</span>",
                         AnswerText::text(r->at("violations")),
                         H::esc(AnswerText::time(r->at("last_seen"), page.say({"never", "未受信"}))),
                         H::esc(AnswerText::text(r->at("reason")))});
    }
    page.table({{"Section", "所属"},
                {"Terminal", "端末"},
                {"Control", "制御"},
                {"Status", "状態"},
                {"Violations", "違反件数"},
                {"Last seen", "最終受信"},
                {"Reason", "理由"}},
               table, {"No violations: every reporting terminal complied.", "違反なし: 報告中の全端末が遵守しています。"},
               "violations");
    return page.finish();
}

}  // namespace mamori::collector
