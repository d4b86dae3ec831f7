#include "collector/ctl/ReportCommands.h"

#include <array>
#include <boost/json.hpp>
#include <iostream>
#include <map>

namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

ReportCommands::ReportCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* report = cli.group(cli.app(), "report", "periodic reports");
    CLI::App* monthly =
        cli.command(*report, "monthly",
                    "月次点検: per section, violations by control, the terminals with most violations, and days not "
                    "reporting (whole days after enrollment, before today)",
                    "  mamorictl report monthly --month 2026-11\n"
                    "  mamorictl report monthly --month 2026-11 --section 市民課 --format csv > 2026-11.csv",
                    [this] { return this->monthly(); });
    cli.required(monthly->add_option("--month", month_, "the month, YYYY-MM, in the collector's time zone")
                     ->type_name("YYYY-MM")
                     ->check(CtlContext::monthFormat()),
                 "the month", "対象月（--month YYYY-MM）が指定されていません");
    monthly->add_option("--section", section_, "only this section (所属); an unknown one is refused")->type_name("S");
    ctx.addFormat(*monthly);
}

int ReportCommands::monthly() {
    using C = CtlContext;
    std::string q = "?month=" + CtlConnection::encode(month_);
    if (!section_.empty()) q += "&section=" + CtlConnection::encode(section_);
    const auto v = ctx_.connection().call(Verb::get, "/admin/v1/report/monthly" + q);
    // Three tables on a screen; one long table in CSV, which a spreadsheet pivots.
    const CtlLanguage::Words section{"section", "所属"}, terminal{"terminal", "端末"},
        violations_word{"violations", "違反件数"}, vdays_word{"days in violation", "違反日数"},
        exempted_word{"exempted", "例外件数"}, days_word{"business days not reporting", "未報告の開庁日数"},
        top_word{"top terminal", "違反の多い端末"};
    ReportTable by_control = ctx_.table(
        {section, {"terminals", "端末数"}, {"control", "制御"}, violations_word, vdays_word, exempted_word});
    ReportTable top = ctx_.table({section, {"rank", "順位"}, terminal, vdays_word, violations_word});
    ReportTable silent = ctx_.table({section, terminal, days_word, {"of business days", "対象開庁日数"}});
    ReportTable long_form =
        ctx_.table({section, {"measure", "項目"}, {"item", "対象"}, {"count", "件数"}, {"of", "対象日数"}});
    for (const auto& s : v.at("sections").as_array()) {
        const std::string name = C::text(s.at("section"));
        // control → violations, days in violation, exempted
        std::map<std::string, std::array<std::string, 3>> controls;
        for (const auto& [c, n] : s.at("violations").as_object()) controls[c][0] = C::text(n);
        for (const auto& [c, n] : s.at("violating_days").as_object()) controls[c][1] = C::text(n);
        for (const auto& [c, n] : s.at("exempted").as_object()) controls[c][2] = C::text(n);
        if (controls.empty()) by_control.add({name, C::text(s.at("terminals")), "-", "0", "0", "0"});
        for (auto& [c, n] : controls) {
            for (auto& cell : n)
                if (cell.empty()) cell = "0";
            by_control.add({name, C::text(s.at("terminals")), c, n[0], n[1], n[2]});
            long_form.add({name, ctx_.say(violations_word), c, n[0], ""});
            long_form.add({name, ctx_.say(vdays_word), c, n[1], ""});
            if (n[2] != "0") long_form.add({name, ctx_.say(exempted_word), c, n[2], ""});
        }
        int rank = 0;
        for (const auto& t : s.at("top_terminals").as_array()) {
            top.add({name, std::to_string(++rank), C::text(t.at("terminal")), C::text(t.at("days")),
                     C::text(t.at("violations"))});
            long_form.add({name, ctx_.say(top_word), C::text(t.at("terminal")), C::text(t.at("days")), ""});
        }
        for (const auto& t : s.at("not_reporting").as_array()) {
            silent.add({name, C::text(t.at("terminal")), C::text(t.at("days")), C::text(t.at("of_days"))});
            long_form.add(
                {name, ctx_.say(days_word), C::text(t.at("terminal")), C::text(t.at("days")), C::text(t.at("of_days"))});
        }
    }
    if (ctx_.format() != "table") {
        ctx_.emit(long_form, v, {"", ""});
        return 0;
    }
    const std::string judged = C::text(v.at("judged_through"));
    std::cout << "月次点検 monthly report " << C::text(v.at("month")) << " (" << C::text(v.at("time_zone"))
              << "); reporting judged " << (judged.empty() ? "on no day yet" : "through " + judged) << "\n\n"
              << "violations by control (制御別違反件数)\n";
    ctx_.emit(by_control, v, {"no terminals", "端末はありません"});
    std::cout << "\nterminals most days in violation (違反日数の多い端末)\n";
    ctx_.emit(top, v, {"no violations this month (違反なし)", "今月の違反はありません"});
    std::cout << "\nbusiness days not reporting (開庁日の未報告日数)\n";
    ctx_.emit(silent, v, {"every terminal reported every business day (全端末報告あり)", "全端末が開庁日に毎日報告しています"});
    return 0;
}

}  // namespace mamori::collector
