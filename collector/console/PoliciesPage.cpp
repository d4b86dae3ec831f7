#include "collector/console/PoliciesPage.h"

#include <boost/json.hpp>
#include <map>

#include "collector/AdminRole.h"
#include "collector/PolicyUpload.h"
#include "collector/console/LineDiff.h"
#include "mamori/common/UserError.h"
#include "mamori/policy/PolicyLoader.h"
#include "mamori/policy/PolicySummary.h"

namespace mamori::collector {

namespace json = boost::json;
using H = HtmlPage;
using A = AnswerText;
using mamori::policy::PolicyLoader;

namespace {

// A browser sends a textarea's lines ended by CR LF: the profile is read, and its lines shown, as
// the file it came from.
std::string profileOf(const ConsoleContext& ctx) {
    std::string yaml = ctx.input().text("yaml");
    std::erase(yaml, '\r');
    return yaml;
}

// What an administrator uploads names no file on the server: closed_days_csv is refused.
PolicyLoader::Result validate(const std::string& yaml) {
    PolicyLoader::Options options;
    options.allow_file_reads = false;
    return PolicyLoader::load(yaml, "profile.yaml", options);
}

std::string uploadForm(const HtmlPage& page, const ConsoleContext& ctx, const std::string& group, const std::string& yaml) {
    std::string sections = "<select id=\"group\" name=\"group\" required>";
    for (const auto& s : ctx.rows("/admin/v1/sections")) {
        const std::string name = A::text(s.at("section"));
        sections += "<option" + std::string(name == group ? " selected" : "") + ">" + H::esc(name) + "</option>";
    }
    sections += "</select>";
    return "<form method=\"post\" action=\"/console/policies/check\" id=\"upload-form\">" + page.csrfField() + "<p><label for=\"group\">" +
           H::esc(page.say({"Section", "所属"})) + "</label> " + sections + " " +
           H::field("yaml-file", page.say({"Profile file", "プロファイルのファイル"}), "type=\"file\" accept=\".yaml,.yml\"") +
           "</p><p><label for=\"yaml\">" + H::esc(page.say({"Profile (YAML)", "プロファイル（YAML）"})) +
           "</label><br><textarea id=\"yaml\" name=\"yaml\" rows=\"16\" cols=\"90\" required spellcheck=\"false\">" + H::esc(yaml) +
           "</textarea></p><button type=\"submit\" id=\"check\">" +
           H::esc(page.say({"Validate and show the changes", "検証して変更点を表示"})) + "</button></form>\n";
}

}  // namespace

std::string PoliciesPage::render(const ConsoleContext& ctx) {
    HtmlPage page = ctx.page({"Policies", "ポリシー"}, "/console/policies");
    // Per section: the version its terminals should run and how many do.
    struct Section {
        std::string name;
        uint64_t latest = 0, terminals = 0, current = 0;
    };
    std::map<std::string, Section> sections;
    for (const auto& t : ctx.rows("/admin/v1/policy-status")) {
        Section& s = sections[A::text(t.at("group"))];
        s.name = A::text(t.at("policy_name"));
        s.latest = t.at("latest_version").to_number<uint64_t>();
        s.terminals += 1;
        if (!t.at("behind").as_bool()) s.current += 1;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& [group, s] : sections)
        rows.push_back({H::esc(group), H::esc(s.name), std::to_string(s.latest), std::to_string(s.current) + " / " +
                                                                                  std::to_string(s.terminals)});
    page.table({{"Section", "所属"}, {"Profile", "プロファイル"}, {"Version in force", "適用版"},
                {"Terminals running it", "適用済み端末"}},
               rows, {"No terminals yet.", "端末はまだありません。"}, "policy-status");
    // Offered to whom the admin endpoint lets push.
    if (AdminRole::operates(ctx.user())) {
        page.add("<h2>" + H::esc(page.say({"Upload a profile", "プロファイルのアップロード"})) + "</h2>\n");
        page.add(uploadForm(page, ctx, ctx.input().text("group"), ""));
    }
    return page.finish();
}

std::string PoliciesPage::check(const ConsoleContext& ctx) {
    const std::string yaml = profileOf(ctx), group = ctx.input().text("group");
    HtmlPage page = ctx.page({"Policies", "ポリシー"}, "/console/policies");
    const auto result = validate(yaml);
    if (!result.ok()) {
        // Each error at its line and column, then the profile with those lines marked.
        std::map<int, bool> marked;
        std::string list = "<ol class=\"errors\" id=\"policy-errors\" role=\"alert\">";
        for (const auto& e : result.errors()) {
            marked[e.line] = true;
            const std::string at = e.line ? page.say({"line ", ""}) + std::to_string(e.line) + page.say({", column ", " 行 "}) +
                                                std::to_string(e.column) + page.say({"", " 列"})
                                          : page.say({"the file", "ファイル全体"});
            list += "<li><a href=\"#line-" + std::to_string(e.line) + "\" class=\"at\">" + H::esc(at) + "</a>: " +
                    H::esc(page.japanese() ? e.message_ja : e.message) + "<br><span class=\"other-language\" lang=\"" +
                    (page.japanese() ? "en" : "ja") + "\">" + H::esc(page.japanese() ? e.message : e.message_ja) +
                    "</span></li>";
        }
        page.add("<p class=\"error\">" + H::esc(page.say({"The profile has errors; nothing was pushed.",
                                                          "プロファイルに誤りがあります。配布は行っていません。"})) +
                 "</p>\n" + list + "</ol>\n<pre class=\"yaml\">");
        int n = 0;
        size_t start = 0;
        while (start <= yaml.size()) {
            const size_t end = yaml.find('\n', start);
            const std::string line = yaml.substr(start, end == std::string::npos ? std::string::npos : end - start);
            ++n;
            page.add("<span id=\"line-" + std::to_string(n) + "\"" + (marked.contains(n) ? " class=\"marked\"" : "") + ">" +
                     std::to_string(n) + "  " + H::esc(line) + "</span>\n");
            if (end == std::string::npos) break;
            start = end + 1;
        }
        page.add("</pre>\n");
        page.add(uploadForm(page, ctx, group, yaml));
        return page.finish();
    }
    const json::value in_force = ctx.get("/admin/v1/policies", {{"group", group}});
    const std::string before = A::text(in_force.at("summary"));
    const std::string after = mamori::policy::PolicySummary::describe(result.policy());
    page.add("<p class=\"notice\">" + H::esc(page.say({"The profile is valid. What it changes for ", "プロファイルは有効です。"})) +
             H::esc(group) + H::esc(page.say({" against version ", " の適用版 "})) + A::text(in_force.at("version")) +
             H::esc(page.say({":", " からの変更点:"})) + "</p>\n<pre class=\"diff\" id=\"policy-diff\">");
    for (const auto& line : LineDiff::of(before, after)) {
        const char* mark = line.mark == LineDiff::Mark::Added ? "+ " : line.mark == LineDiff::Mark::Removed ? "- " : "  ";
        const char* cls = line.mark == LineDiff::Mark::Added ? "added" : line.mark == LineDiff::Mark::Removed ? "removed" : "kept";
        page.add("<span class=\"" + std::string(cls) + "\">" + mark + H::esc(line.text) + "</span>\n");
    }
    page.add("</pre>\n<form method=\"post\" action=\"/console/policies/push\" id=\"push-form\">" + page.csrfField() +
             "<input type=\"hidden\" name=\"group\" value=\"" + H::esc(group) +
             "\"><textarea name=\"yaml\" hidden aria-hidden=\"true\">" + H::esc(yaml) + "</textarea><button type=\"submit\" id=\"push\">" +
             H::esc(page.say({"Push to ", ""})) + H::esc(group) + H::esc(page.say({"", " に配布"})) + "</button></form>\n");
    return page.finish();
}

std::string PoliciesPage::push(const ConsoleContext& ctx) {
    const auto result = validate(profileOf(ctx));
    // Checked again: the form may have been altered since it was shown.
    if (!result.ok())
        throw common::UserError::invalid("the profile is not valid; validate it first", "プロファイルが有効ではありません。先に検証してください");
    const json::value v = ctx.post("/admin/v1/policies", {{"policy_base64", PolicyUpload::encode(result.policy())},
                                                          {"group", ctx.input().text("group")}});
    return A::text(v.at("group")) + ": " + A::text(v.at("name")) + " v" + A::text(v.at("version"));
}

}  // namespace mamori::collector
