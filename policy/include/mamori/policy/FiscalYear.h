#pragma once

#include <date/date.h>

namespace mamori::policy {

// The Japanese fiscal year (年度): FY N runs from N-04-01 to (N+1)-03-31. Retention
// periods for public records are stated in fiscal years: "当該年度終了後N年間" keeps a record until N years after the end of the fiscal
// year it belongs to, so a record of 2027-03-31 and one of 2026-04-01 expire together.
class FiscalYear {
public:
    static int fiscalYearOf(date::year_month_day day);
    static date::year_month_day startOf(int fiscalYear);  // fiscalYear-04-01
    static date::year_month_day endOf(int fiscalYear);    // (fiscalYear+1)-03-31

    // Last day a record dated `recorded` must still be kept under "当該年度終了後N年間".
    // years == 0 keeps it to the end of its own fiscal year. Throws std::invalid_argument
    // for a negative period or an invalid date.
    static date::year_month_day retainUntil(date::year_month_day recorded, int years);

    // True once `today` is past retainUntil(recorded, years).
    static bool mayPurge(date::year_month_day recorded, int years, date::year_month_day today);

    // The oldest record date still kept on `today` under "当該年度終了後N年間": exactly the
    // records dated before it may be purged (mayPurge), so a purge is one date comparison.
    static date::year_month_day keptFrom(date::year_month_day today, int years);
};

}  // namespace mamori::policy
