#pragma once
#include <string>

#include "collector/console/ConsoleContext.h"

namespace mamori::collector {

// 例外措置: the exceptions a user may see, waiting and in force, with their history; a request
// form (scope, subject, reason, expiry); approve and reject offered only to an account that may
// approve and did not request it; revoke. Every action is the admin endpoint's, so its rules
// (two people, the profile's longest period, sections) hold here as they do for mamorictl.
class ExceptionsPage {
public:
    static std::string render(const ConsoleContext& ctx);
    // POST /console/exceptions/{request,approve,revoke}: the JSON the admin endpoint takes,
    // from the form's fields; what the page then says.
    static std::string act(const ConsoleContext& ctx, const std::string& action);
};

}  // namespace mamori::collector
