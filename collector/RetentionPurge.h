#pragma once
#include <date/date.h>

#include <cstdint>
#include <string>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// Retention per record class, counted from the end of the Japanese fiscal year (31 March):
// 「当該年度終了後N年間保管」(REQUIREMENTS 000:201). An event belongs to the fiscal year of its
// local date; an exception (例外措置) to the fiscal year of its last day, so one still in force is
// never removed; a media ledger entry (媒体管理台帳) to the fiscal year it was retired or withdrawn
// in, so a stick still in use, or expired without a disposal record, is never removed. The
// collector runs this once a day (collector.conf: retention_events_years,
// retention_exceptions_years, retention_media_years); what it removed is logged.
class RetentionPurge {
public:
    struct Periods {
        int events_years = 1;      // 当該年度終了後1年間 (000:201)
        int exceptions_years = 5;  // records of approvals are kept 5 years (000:146)
        int media_years = 5;       // the media ledger, 5 years after disposal (000:146)
    };

    struct Report {
        std::string events_kept_from;      // local date: events dated before it were removed
        std::string exceptions_kept_from;  // local date: exceptions that ended before it were removed
        std::string media_kept_from;       // local date: ledger entries that ended before it were removed
        PurgedEvents events;
        PurgedExceptions exceptions;
        PurgedMedia media;
    };

    RetentionPurge(EvidenceStore& evidence, ExceptionStore& exceptions, MediaStore& media, const LocalCalendar& calendar,
                   Periods periods)
        : evidence_(evidence), exceptions_(exceptions), media_(media), calendar_(calendar), periods_(periods) {}
    RetentionPurge(Store& store, const LocalCalendar& calendar, Periods periods)
        : RetentionPurge(store, store, store, calendar, periods) {}

    // Purges as of the local date `today`.
    Report run(date::year_month_day today);
    // Purges as of the municipality's date at now_unix.
    Report runAt(int64_t now_unix);

    // One log line: the counts and the ranges removed, and what is kept.
    std::string describe(const Report& r) const;

private:
    EvidenceStore& evidence_;
    ExceptionStore& exceptions_;
    MediaStore& media_;
    const LocalCalendar& calendar_;
    Periods periods_;
};

}  // namespace mamori::collector
