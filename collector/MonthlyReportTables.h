#pragma once
#include <boost/json/value.hpp>

#include "collector/AnswerText.h"
#include "collector/ReportTable.h"

namespace mamori::collector {

// 月次点検 as tables, from /admin/v1/report/monthly: three for a reader (violations by section
// and control, the terminals most days in violation, business days not reporting) and one long
// table a spreadsheet pivots (the CSV). `mamorictl report monthly` and the console's report page
// and its CSV are these tables.
struct MonthlyReportTables {
    ReportTable by_control, top, silent, long_form;

    static MonthlyReportTables of(const boost::json::value& report, const AnswerText& words);
};

}  // namespace mamori::collector
