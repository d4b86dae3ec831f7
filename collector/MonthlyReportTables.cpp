#include "collector/MonthlyReportTables.h"

#include <array>
#include <boost/json.hpp>
#include <map>

namespace mamori::collector {

namespace {

ReportTable headed(const AnswerText& w, const std::vector<AnswerText::Words>& headings) {
    std::vector<std::string> words;
    for (const auto& h : headings) words.push_back(w.say(h));
    return ReportTable(std::move(words));
}

}  // namespace

MonthlyReportTables MonthlyReportTables::of(const boost::json::value& v, const AnswerText& w) {
    using A = AnswerText;
    const A::Words section{"section", "所属"}, terminal{"terminal", "端末"}, violations_word{"violations", "違反件数"},
        vdays_word{"days in violation", "違反日数"}, exempted_word{"exempted", "例外件数"},
        days_word{"business days not reporting", "未報告の開庁日数"}, top_word{"top terminal", "違反の多い端末"};
    MonthlyReportTables out{
        headed(w, {section, {"terminals", "端末数"}, {"control", "制御"}, violations_word, vdays_word, exempted_word}),
        headed(w, {section, {"rank", "順位"}, terminal, vdays_word, violations_word}),
        headed(w, {section, terminal, days_word, {"of business days", "対象開庁日数"}}),
        headed(w, {section, {"measure", "項目"}, {"item", "対象"}, {"count", "件数"}, {"of", "対象日数"}})};
    for (const auto& s : v.at("sections").as_array()) {
        const std::string name = A::text(s.at("section"));
        // control → violations, days in violation, exempted
        std::map<std::string, std::array<std::string, 3>> controls;
        for (const auto& [c, n] : s.at("violations").as_object()) controls[c][0] = A::text(n);
        for (const auto& [c, n] : s.at("violating_days").as_object()) controls[c][1] = A::text(n);
        for (const auto& [c, n] : s.at("exempted").as_object()) controls[c][2] = A::text(n);
        if (controls.empty()) out.by_control.add({name, A::text(s.at("terminals")), "-", "0", "0", "0"});
        for (auto& [c, n] : controls) {
            for (auto& cell : n)
                if (cell.empty()) cell = "0";
            out.by_control.add({name, A::text(s.at("terminals")), c, n[0], n[1], n[2]});
            out.long_form.add({name, w.say(violations_word), c, n[0], ""});
            out.long_form.add({name, w.say(vdays_word), c, n[1], ""});
            if (n[2] != "0") out.long_form.add({name, w.say(exempted_word), c, n[2], ""});
        }
        int rank = 0;
        for (const auto& t : s.at("top_terminals").as_array()) {
            out.top.add({name, std::to_string(++rank), A::text(t.at("terminal")), A::text(t.at("days")),
                         A::text(t.at("violations"))});
            out.long_form.add({name, w.say(top_word), A::text(t.at("terminal")), A::text(t.at("days")), ""});
        }
        for (const auto& t : s.at("not_reporting").as_array()) {
            out.silent.add({name, A::text(t.at("terminal")), A::text(t.at("days")), A::text(t.at("of_days"))});
            out.long_form.add(
                {name, w.say(days_word), A::text(t.at("terminal")), A::text(t.at("days")), A::text(t.at("of_days"))});
        }
    }
    return out;
}

}  // namespace mamori::collector
