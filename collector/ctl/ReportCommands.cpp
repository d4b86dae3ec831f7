#include "collector/ctl/ReportCommands.h"

#include <boost/json.hpp>
#include <iostream>

#include "collector/MonthlyReportTables.h"

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
    const auto [by_control, top, silent, long_form] = MonthlyReportTables::of(v, ctx_.language().answers());
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
