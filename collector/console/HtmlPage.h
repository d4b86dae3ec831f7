#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "collector/AnswerText.h"
#include "collector/ReportTable.h"

namespace mamori::collector {

// One page of the console, written on the server: the frame every page shares (lang, the
// stylesheet and script served by the collector, the navigation the user's role allows, the
// language switch, sign-out) around what the page adds. Everything that came from outside goes
// through esc(); nothing is written inline that a Content-Security-Policy without
// 'unsafe-inline' would refuse.
class HtmlPage {
public:
    using Words = AnswerText::Words;
    // Who is signed in, as the frame shows them; empty name: the sign-in page.
    struct Viewer {
        std::string name, role, csrf;
        bool reads_access_log = false;
    };

    HtmlPage(bool japanese, const Words& title, Viewer viewer, std::string current_path);

    static std::string esc(std::string_view text);
    // A URL's query value, percent-encoded.
    static std::string query(std::string_view value);

    bool japanese() const { return japanese_; }
    const std::string& say(const Words& w) const { return japanese_ ? w.ja : w.en; }
    // Appends HTML as written (the caller escaped what needs it).
    HtmlPage& add(std::string_view html);
    // A table: headings escaped here, cells as the caller wrote them (escaped or markup).
    HtmlPage& table(const std::vector<Words>& headings, const std::vector<std::vector<std::string>>& rows,
                    const Words& empty, const std::string& id = {});
    // A table shared with mamorictl and the CSV downloads, every cell escaped.
    HtmlPage& report(const ReportTable& t, const Words& empty, const std::string& id = {});
    // <input type="hidden" name="csrf">: every form that changes something carries it.
    std::string csrfField() const;
    // A labelled field: <label for=id>label</label><input id=id name=id ...>.
    static std::string field(const std::string& id, const std::string& label, const std::string& input_attrs);
    // The whole document.
    std::string finish() const;

private:
    bool japanese_;
    Words title_;
    Viewer viewer_;
    std::string path_, body_;
};

}  // namespace mamori::collector
