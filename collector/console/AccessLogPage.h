#pragma once
#include <string>

#include "collector/console/ConsoleContext.h"

namespace mamori::collector {

// アクセス記録: who read which terminal's evidence, who signed in, failed to or was locked out,
// newest first; for the CISO, security administrators and auditors (the admin endpoint says who).
class AccessLogPage {
public:
    static std::string render(const ConsoleContext& ctx);
};

}  // namespace mamori::collector
