#include "collector/console/TerminalPage.h"

#include <algorithm>
#include <boost/json.hpp>

#include "collector/StatusWords.h"

namespace mamori::collector {

namespace json = boost::json;
using H = HtmlPage;
using A = AnswerText;

namespace {

std::string terminalLink(const std::string& id) {
    return "<a href=\"/console/terminal?id=" + H::esc(H::query(id)) + "\">" + H::esc(id) + "</a>";
}

}  // namespace

std::string TerminalPage::list(const ConsoleContext& ctx) {
    const json::value v = ctx.get("/admin/v1/terminals", {{"section", ctx.input().text("section")}});
    HtmlPage page = ctx.page({"Terminals", "端末"}, "/console/terminals");
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : v.at("rows").as_array())
        rows.push_back({terminalLink(A::text(t.at("id"))), H::esc(A::text(t.at("hostname"))), H::esc(A::text(t.at("group"))),
                        H::esc(StatusWords::inLanguage(A::text(t.at("presence")), ctx.japanese())),
                        H::esc(A::time(t.at("last_seen"), page.say({"never", "未受信"}))),
                        A::text(t.at("policy_version"))});
    page.table({{"Terminal", "端末"}, {"Host name", "ホスト名"}, {"Section", "所属"}, {"State", "状態"},
                {"Last seen", "最終受信"}, {"Policy version", "ポリシー版"}},
               rows, {"No terminals.", "端末はありません。"}, "terminals");
    return page.finish();
}

std::string TerminalPage::render(const ConsoleContext& ctx) {
    const std::string id = ctx.input().text("id");
    // The events first: reading them is what is recorded (or refused and recorded) in the
    // access log, before anything of the terminal is shown.
    const json::value events = ctx.get("/admin/v1/events", {{"terminal", id}, {"since", ctx.input().text("since")},
                                                            {"limit", "500"}});
    const json::value listing = ctx.get("/admin/v1/terminals", {{"terminal", id}});
    const auto& t = listing.at("rows").as_array().at(0).as_object();
    HtmlPage page = ctx.page({"Terminal " + id, "端末 " + id}, "/console/terminal");
    const std::string never = page.say({"never", "未受信"});

    // The chain: every stored event was authenticated on arrival; what is left to say is
    // whether a link is missing or the collector suspects tampering.
    const auto& rows = events.at("rows").as_array();
    std::vector<std::string> gaps;
    for (size_t i = 1; i < rows.size(); ++i) {
        const int64_t before = rows[i - 1].at("seq").to_number<int64_t>(), seq = rows[i].at("seq").to_number<int64_t>();
        if (seq != before + 1) gaps.push_back(std::to_string(before + 1) + "–" + std::to_string(seq - 1));
    }
    std::string chain;
    if (!t.at("tampering_since").is_null())
        chain = "<span class=\"status tampering\" id=\"chain\">" + H::esc(page.say({"tampering suspected", "改ざんの疑い"})) +
                " (" + H::esc(A::text(t.at("tampering_detail"))) + ")</span>";
    else if (!gaps.empty()) {
        std::string list;
        for (const auto& g : gaps) list += (list.empty() ? "" : ", ") + g;
        chain = "<span class=\"status gap\" id=\"chain\">" + H::esc(page.say({"gap: seq ", "欠落: 連番 "})) + H::esc(list) +
                "</span>";
    } else {
        chain = "<span class=\"status verified\" id=\"chain\">" +
                H::esc(page.say({"verified: every event's hash, link and signature", "検証済み: 全イベントのハッシュ・連鎖・署名"})) +
                "</span>";
    }
    auto item = [&](const H::Words& k, const std::string& html) {
        return "<dt>" + H::esc(page.say(k)) + "</dt><dd>" + html + "</dd>\n";
    };
    page.add("<dl class=\"identity\">\n" + item({"Terminal", "端末"}, H::esc(id)) +
             item({"Host name", "ホスト名"}, H::esc(A::text(t.at("hostname")))) +
             item({"Section", "所属"}, H::esc(A::text(t.at("group")))) +
             item({"Policy version in force", "適用中のポリシー版"}, H::esc(A::text(t.at("policy_version")))) +
             item({"Last seen", "最終受信"}, H::esc(A::time(t.at("last_seen"), never))) +
             item({"State", "状態"}, H::esc(StatusWords::inLanguage(A::text(t.at("presence")), ctx.japanese()))) +
             item({"Clock skew", "時刻のずれ"}, H::esc(A::text(t.at("clock_skew_ms"))) + " ms" +
                                                  (t.at("clock_wrong").as_bool()
                                                       ? " <strong>" + H::esc(page.say({"(wrong)", "（不正）"})) + "</strong>"
                                                       : "")) +
             item({"Certificate expires", "証明書の有効期限"}, H::esc(A::time(t.at("certificate_expires")))) +
             item({"Evidence chain", "証跡の連鎖"}, chain) + "</dl>\n");

    page.add("<h2>" + H::esc(page.say({"Timeline", "イベント履歴"})) + "</h2>\n");
    std::vector<std::vector<std::string>> timeline;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        const auto& e = it->as_object();
        const auto& body = e.at("body").as_object();
        auto field = [&](const char* k) { return body.contains(k) ? A::text(body.at(k)) : std::string(); };
        const bool violation = body.contains("violation") && body.at("violation").as_bool();
        timeline.push_back({A::text(e.at("seq")), H::esc(A::time(e.at("time"))), H::esc(field("type")),
                            H::esc(field("control")),
                            violation ? "<strong>" + H::esc(page.say({"violation", "違反"})) + "</strong>" : "",
                            H::esc(field("rule_id")), "<code>" + H::esc(A::text(e.at("hash")).substr(0, 16)) + "</code>",
                            // A refused stick is registered in the ledger from its event, in one step.
                            field("type") == "USB_BLOCKED"
                                ? "<a class=\"register\" href=\"/console/media?from_event=" +
                                      H::esc(H::query(id + ":" + A::text(e.at("seq")))) + "\">" +
                                      H::esc(page.say({"Register in the ledger", "台帳に登録"})) + "</a>"
                                : ""});
    }
    page.table({{"Seq", "連番"}, {"Time", "時刻"}, {"Event", "イベント"}, {"Control", "制御"}, {"Violation", "違反"},
                {"Rule", "規則"}, {"Hash", "ハッシュ"}, {"Ledger", "台帳"}},
               timeline, {"No events in this period.", "この期間のイベントはありません。"}, "timeline");

    page.add("<h2>" + H::esc(page.say({"Exceptions", "例外措置"})) + "</h2>\n");
    std::vector<std::vector<std::string>> exceptions;
    const json::array listed = ctx.rows("/admin/v1/exceptions", {{"section", A::text(t.at("group"))}});
    for (const auto& x : listed)
        if (A::text(x.at("terminal")) == id || (A::text(x.at("terminal")).empty() && A::text(x.at("group")) == A::text(t.at("group"))))
            exceptions.push_back({H::esc(A::text(x.at("id"))), H::esc(A::text(x.at("state"))), H::esc(A::text(x.at("control"))),
                                  H::esc(A::text(x.at("detail"))), H::esc(A::text(x.at("until")))});
    page.table({{"Exception", "例外措置"}, {"State", "状態"}, {"Control", "制御"}, {"Detail", "内容"}, {"Until", "期限"}},
               exceptions, {"No exceptions apply.", "適用される例外措置はありません。"}, "exceptions");

    // The registered sticks it accepts: its section's, for every terminal or named for this one.
    page.add("<h2>" + H::esc(page.say({"Registered media", "登録媒体"})) + "</h2>\n");
    std::vector<std::vector<std::string>> media;
    for (const auto& m : ctx.rows("/admin/v1/media", {{"section", A::text(t.at("group"))}, {"state", "active"}})) {
        const auto& only = m.at("terminals").as_array();
        if (!only.empty() && std::none_of(only.begin(), only.end(), [&](const json::value& v) { return A::text(v) == id; }))
            continue;
        media.push_back({H::esc(A::text(m.at("id"))), H::esc(A::text(m.at("device"))), H::esc(A::text(m.at("description"))),
                         H::esc(A::text(m.at("access"))), H::esc(A::text(m.at("until")))});
    }
    page.table({{"Ledger no", "台帳番号"}, {"Device", "媒体"}, {"Description", "品名"}, {"Access", "アクセス"},
                {"Until", "有効期限"}},
               media, {"No registered media.", "登録媒体はありません。"}, "media");
    return page.finish();
}

}  // namespace mamori::collector
