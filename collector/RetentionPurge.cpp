#include "collector/RetentionPurge.h"

#include <sstream>

#include "mamori/policy/FiscalYear.h"

namespace mamori::collector {

using mamori::policy::FiscalYear;

RetentionPurge::Report RetentionPurge::run(date::year_month_day today) {
    Report r;
    r.events_kept_from = date::format("%F", date::sys_days(FiscalYear::keptFrom(today, periods_.events_years)));
    r.exceptions_kept_from = date::format("%F", date::sys_days(FiscalYear::keptFrom(today, periods_.exceptions_years)));
    r.events = evidence_.purgeEventsBefore(r.events_kept_from, calendar_.startOfDateUnix(r.events_kept_from));
    // An exception's last day is before the cutoff date exactly when it expired by its midnight.
    r.exceptions = exceptions_.purgeExceptionsExpiredBy(calendar_.startOfDateUnix(r.exceptions_kept_from));
    r.media_kept_from = date::format("%F", date::sys_days(FiscalYear::keptFrom(today, periods_.media_years)));
    r.media = media_.purgeMediaEndedBefore(calendar_.startOfDateUnix(r.media_kept_from));
    return r;
}

RetentionPurge::Report RetentionPurge::runAt(int64_t now_unix) {
    std::istringstream in(calendar_.dateOfUnix(now_unix));
    date::year_month_day today;
    in >> date::parse("%F", today);
    return run(today);
}

std::string RetentionPurge::describe(const Report& r) const {
    std::string out = "retention: ";
    if (r.events.events == 0 && r.events.compliance_rows == 0 && r.events.evidence_issues == 0) {
        out += "no events to remove";
    } else {
        out += "removed " + std::to_string(r.events.events) + " events";
        if (r.events.events) out += " dated " + r.events.first_date + " to " + r.events.last_date;
        out += ", " + std::to_string(r.events.compliance_rows) + " daily compliance rows and " +
               std::to_string(r.events.evidence_issues) + " evidence issues";
    }
    out += " (events are kept from " + r.events_kept_from + ", " + std::to_string(periods_.events_years) +
           " year(s) after their fiscal year); ";
    if (r.exceptions.exceptions == 0) {
        out += "no exceptions to remove";
    } else {
        // expiry is the first second after the last day: the day before it is what people know.
        out += "removed " + std::to_string(r.exceptions.exceptions) + " exceptions that ended " +
               calendar_.dateOfUnix(r.exceptions.first_expiry_unix - 1) + " to " +
               calendar_.dateOfUnix(r.exceptions.last_expiry_unix - 1);
    }
    out += " (exceptions are kept when they ended on or after " + r.exceptions_kept_from + ", " +
           std::to_string(periods_.exceptions_years) + " year(s) after their fiscal year); ";
    if (r.media.entries == 0) {
        out += "no media ledger entries to remove";
    } else {
        out += "removed " + std::to_string(r.media.entries) + " media ledger entries retired or withdrawn " +
               calendar_.dateOfUnix(r.media.first_end_unix) + " to " + calendar_.dateOfUnix(r.media.last_end_unix);
    }
    out += " (media ledger entries are kept when they were retired on or after " + r.media_kept_from + ", " +
           std::to_string(periods_.media_years) + " year(s) after their fiscal year, and while in use)";
    return out;
}

}  // namespace mamori::collector
