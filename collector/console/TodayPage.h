#pragma once
#include <string>

#include "collector/console/ConsoleContext.h"

namespace mamori::collector {

// 今日の違反: the admin endpoint's violations of a day (today by default, in the municipality's
// zone), by section, then terminal, then control, with counts at the top, filters by section
// and control, and every terminal linked to its page. Terminals not reporting, switched off and
// suspected of tampering are rows of their own, as mamorictl shows them.
class TodayPage {
public:
    static std::string render(const ConsoleContext& ctx);
};

}  // namespace mamori::collector
