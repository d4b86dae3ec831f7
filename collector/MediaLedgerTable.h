#pragma once
#include <boost/json/array.hpp>

#include "collector/AnswerText.h"
#include "collector/ReportTable.h"

namespace mamori::collector {

// 媒体管理台帳 as a table, from the rows of /admin/v1/media: one line per stick with its
// registration, approval and disposal record, the columns an auditor reads. `mamorictl media
// list|export` and the console's ledger page and CSV are this one table.
class MediaLedgerTable {
public:
    static ReportTable of(const boost::json::array& rows, const AnswerText& words);
};

}  // namespace mamori::collector
