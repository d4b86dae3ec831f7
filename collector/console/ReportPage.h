#pragma once
#include <string>

#include "collector/console/ConsoleContext.h"

namespace mamori::collector {

// 月次点検: the month's report as mamorictl prints it (MonthlyReportTables), its CSV, and a page
// that prints on A4 with boxes for the section chief's and the CISO's seals (印).
class ReportPage {
public:
    static std::string render(const ConsoleContext& ctx);
    static std::string csv(const ConsoleContext& ctx);
    // The month asked for, or the current one in the municipality's zone (YYYY-MM).
    static std::string month(const ConsoleContext& ctx);
};

}  // namespace mamori::collector
