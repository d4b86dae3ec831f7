#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// Turns an administrator's request to register or retire a stick in the media ledger
// (媒体管理台帳) into what the store keeps, refusing what the ledger cannot hold: no purpose, no
// expiry or one already past, no answer on encryption, an access other than read-only or
// read-write, a device id that is not VID:PID[:SERIAL], a disposal without who, how and why.
// Where the device comes from (typed, or a blocked-stick event) and who may act is MediaApi's.
class MediaRequest {
public:
    // body: {"device": "VID:PID[:SERIAL]" (optional here), "purpose", "access": "read-only"
    // (default) | "read-write", "encrypted": "yes" | "no", "until": "YYYY-MM-DD" (local, the last
    // day), "description" (optional)}. Throws common::UserError.
    static MediaRecord fromJson(const boost::json::object& body, const std::string& requester,
                                const LocalCalendar& calendar, int64_t now_unix);

    // The ways a stick leaves the ledger (廃棄記録).
    static const std::vector<std::string>& retireMethods();
    // rec with its retirement requested by `requester` at now_unix: {"erased_by", "method", "reason"}.
    static MediaRecord retirement(const MediaRecord& rec, const boost::json::object& body, const std::string& requester,
                                  int64_t now_unix);

    // The ledger number prefix of the fiscal year (年度) of now_unix: "M-2026-".
    static std::string numberPrefix(const LocalCalendar& calendar, int64_t now_unix);

    // The state shown: an active entry past its last day is expired.
    static std::string stateAt(const MediaRecord& r, int64_t now_unix);
    // The JSON the admin endpoint lists for an entry, its state as of now_unix.
    static boost::json::object toJson(const MediaRecord& r, const LocalCalendar& calendar, int64_t now_unix);
};

}  // namespace mamori::collector
