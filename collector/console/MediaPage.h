#pragma once
#include <string>

#include "collector/ReportTable.h"
#include "collector/console/ConsoleContext.h"

namespace mamori::collector {

// 媒体管理台帳: the ledger as mamorictl prints it (MediaLedgerTable), its CSV, and its actions:
// register a stick (in one step from the event of a terminal that refused it, ?from_event=T:SEQ),
// approve (another account with the right), withdraw, retire with the erasure record. Reading
// the ledger is recorded in the access log by the admin endpoint.
class MediaPage {
public:
    static std::string render(const ConsoleContext& ctx);
    // The ledger as CSV (UTF-8 with a BOM), as `mamorictl media export` writes it.
    static std::string csv(const ConsoleContext& ctx);
    // POST /console/media/{register,approve,withdraw,retire}: the ledger number acted on.
    static std::string act(const ConsoleContext& ctx, const std::string& action);
};

}  // namespace mamori::collector
