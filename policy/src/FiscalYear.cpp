#include "mamori/policy/FiscalYear.h"

#include <stdexcept>

namespace mamori::policy {

int FiscalYear::fiscalYearOf(date::year_month_day day) {
    if (!day.ok()) {
        throw std::invalid_argument("FiscalYear: invalid date");
    }
    const int y = static_cast<int>(day.year());
    return day.month() >= date::April ? y : y - 1;
}

date::year_month_day FiscalYear::startOf(int fiscalYear) {
    return date::year{fiscalYear} / date::April / 1;
}

date::year_month_day FiscalYear::endOf(int fiscalYear) {
    return date::year{fiscalYear + 1} / date::March / 31;
}

date::year_month_day FiscalYear::retainUntil(date::year_month_day recorded, int years) {
    if (years < 0) {
        throw std::invalid_argument("FiscalYear: negative retention period");
    }
    return endOf(fiscalYearOf(recorded) + years);
}

bool FiscalYear::mayPurge(date::year_month_day recorded, int years, date::year_month_day today) {
    if (!today.ok()) {
        throw std::invalid_argument("FiscalYear: invalid date");
    }
    return today > retainUntil(recorded, years);
}

date::year_month_day FiscalYear::keptFrom(date::year_month_day today, int years) {
    if (years < 0) {
        throw std::invalid_argument("FiscalYear: negative retention period");
    }
    // A record of fiscal year F may go once today's fiscal year is past F + years.
    return startOf(fiscalYearOf(today) - years);
}

}  // namespace mamori::policy
