#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

// Turns an administrator's request for an exception (例外措置) into what the store keeps,
// refusing what the rules forbid: a requester approving their own request (separation of
// duties), no expiry or one already past, a scope that is not exactly one terminal or one
// group, and a control without what it exempts (a device, a program, or the hours).
class ExceptionGrant {
public:
    // body: {"terminal"|"group", "control": "usb"|"software"|"hours", "device": "VID:PID:SERIAL",
    // "software": SHA256, "hours_extension": true, "until": "YYYY-MM-DD" (local, inclusive),
    // "reason", "requested_by", "approved_by", optional "user"}. Throws common::UserError.
    static ExceptionRecord fromJson(const boost::json::object& body, const LocalCalendar& calendar, int64_t now_unix);

    // The JSON the admin endpoint lists for a stored exception.
    static boost::json::object toJson(const ExceptionRecord& r, const LocalCalendar& calendar);

    // The first second after the local date `date` (YYYY-MM-DD) in the calendar's zone.
    static int64_t endOfLocalDate(const std::string& date, const LocalCalendar& calendar);
};

}  // namespace mamori::collector
