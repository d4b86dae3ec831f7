#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

// Turns an administrator's request for an exception (例外措置) into what the store keeps, refusing
// what the rules forbid: no expiry, one already past or beyond the profile's longest period, a
// scope that is not exactly one terminal or one group, a control without what it exempts (a
// device, a program, the hours). The request is the requester's: approval comes later, by
// another account (ExceptionApi).
class ExceptionRequest {
public:
    // body: {"terminal"|"group", optional "user", "control": "usb"|"software"|"hours",
    // usb: "device": "VID:PID[:SERIAL]", optional "access": "read-only" (default) | "read-write";
    // software: "sha256": HEX or "path": ABSOLUTE; hours: "hours_extension": true;
    // "until": "YYYY-MM-DD" (local, inclusive), "reason"}. requester: the account asking.
    // max_days: the longest an exception may last, from now. Throws common::UserError.
    static ExceptionRecord fromJson(const boost::json::object& body, const std::string& requester,
                                    const LocalCalendar& calendar, int64_t now_unix, int max_days);

    // Whether an exception ending at expires_unix is within max_days of now_unix (whole local
    // days: until today + max_days inclusive); else a common::UserError saying the longest date.
    static void requireWithin(int64_t expires_unix, int max_days, const LocalCalendar& calendar, int64_t now_unix);

    // The JSON the admin endpoint lists for a stored exception, its state as of now_unix.
    static boost::json::object toJson(const ExceptionRecord& r, const LocalCalendar& calendar, int64_t now_unix);

    // The state shown: requested, active, expired or revoked.
    static std::string stateAt(const ExceptionRecord& r, int64_t now_unix);

    // The first second after the local date `date` (YYYY-MM-DD) in the calendar's zone.
    static int64_t endOfLocalDate(const std::string& date, const LocalCalendar& calendar);
};

}  // namespace mamori::collector
