#include "collector/console/HtmlPage.h"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace mamori::collector {

HtmlPage::HtmlPage(bool japanese, const Words& title, Viewer viewer, std::string current_path)
    : japanese_(japanese), title_(title), viewer_(std::move(viewer)), path_(std::move(current_path)) {}

std::string HtmlPage::esc(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string HtmlPage::query(std::string_view value) {
    return boost::urls::encode(value, boost::urls::unreserved_chars);
}

HtmlPage& HtmlPage::add(std::string_view html) {
    body_ += html;
    return *this;
}

HtmlPage& HtmlPage::table(const std::vector<Words>& headings, const std::vector<std::vector<std::string>>& rows,
                          const Words& empty, const std::string& id) {
    if (rows.empty()) return add("<p class=\"empty\">" + esc(say(empty)) + "</p>\n");
    body_ += "<table" + (id.empty() ? std::string() : " id=\"" + esc(id) + "\"") + ">\n<thead><tr>";
    for (const auto& h : headings) body_ += "<th scope=\"col\">" + esc(say(h)) + "</th>";
    body_ += "</tr></thead>\n<tbody>\n";
    for (const auto& row : rows) {
        body_ += "<tr>";
        for (const auto& cell : row) body_ += "<td>" + cell + "</td>";
        body_ += "</tr>\n";
    }
    body_ += "</tbody></table>\n";
    return *this;
}

HtmlPage& HtmlPage::report(const ReportTable& t, const Words& empty, const std::string& id) {
    std::vector<Words> headings;
    for (const auto& h : t.headers()) headings.push_back({h, h});
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : t.rows()) {
        std::vector<std::string> cells;
        for (const auto& cell : row) cells.push_back(esc(cell));
        rows.push_back(std::move(cells));
    }
    return table(headings, rows, empty, id);
}

std::string HtmlPage::csrfField() const {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(viewer_.csrf) + "\">";
}

std::string HtmlPage::field(const std::string& id, const std::string& label, const std::string& input_attrs) {
    return "<label for=\"" + esc(id) + "\">" + esc(label) + "</label> <input id=\"" + esc(id) + "\" name=\"" +
           esc(id) + "\" " + input_attrs + ">";
}

std::string HtmlPage::finish() const {
    const Words product{"mamori console", "mamori 管理コンソール"};
    std::string html = "<!DOCTYPE html>\n<html lang=\"" + std::string(japanese_ ? "ja" : "en") +
                       "\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
                       esc(say(title_)) + " — " + esc(say(product)) +
                       "</title>\n<link rel=\"stylesheet\" href=\"/console/assets/console.css\">\n"
                       "<script src=\"/console/assets/console.js\" defer></script>\n</head>\n<body>\n<header>\n"
                       "<span class=\"product\">" + esc(say(product)) + "</span>\n";
    if (!viewer_.name.empty()) {
        struct Link {
            const char* path;
            Words name;
        };
        std::vector<Link> links{{"/console/today", {"Today's violations", "今日の違反"}},
                                {"/console/terminals", {"Terminals", "端末"}},
                                {"/console/exceptions", {"Exceptions", "例外措置"}},
                                {"/console/media", {"Media ledger", "媒体管理台帳"}},
                                {"/console/policies", {"Policies", "ポリシー"}},
                                {"/console/report", {"Monthly report", "月次点検"}}};
        if (viewer_.reads_access_log) links.push_back({"/console/access-log", {"Access log", "アクセス記録"}});
        html += "<nav aria-label=\"" + esc(say({"Pages", "ページ"})) + "\"><ul>\n";
        for (const auto& l : links)
            html += std::string("<li><a href=\"") + l.path + "\"" +
                    (path_ == l.path ? " aria-current=\"page\"" : "") + ">" + esc(say(l.name)) + "</a></li>\n";
        html += "</ul></nav>\n<div class=\"account\">" + esc(viewer_.name) + " (" + esc(viewer_.role) +
                ")\n<form method=\"post\" action=\"/console/logout\">" + csrfField() + "<button type=\"submit\">" +
                esc(say({"Sign out", "ログアウト"})) + "</button></form>\n";
    } else {
        html += "<div class=\"account\">\n";
    }
    // The switch keeps the reader on the page they are on.
    html += "<a class=\"lang\" href=\"/console/lang?to=" + std::string(japanese_ ? "en" : "ja") +
            "&amp;back=" + esc(query(path_)) + "\" lang=\"" + (japanese_ ? "en" : "ja") + "\">" +
            (japanese_ ? "English" : "日本語") + "</a>\n</div>\n</header>\n<main>\n<h1>" + esc(say(title_)) +
            "</h1>\n" + body_ + "</main>\n</body>\n</html>\n";
    return html;
}

}  // namespace mamori::collector
