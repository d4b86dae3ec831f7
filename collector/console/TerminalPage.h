#pragma once
#include <string>

#include "collector/console/ConsoleContext.h"

namespace mamori::collector {

// 端末: the terminals a user may see (list), and one terminal (render): its identity, section,
// policy in force, last seen, clock skew and certificate expiry; its event timeline with the
// chain's state (verified, gap, tampering suspected); its exceptions and registered media. The
// timeline is read through the admin endpoint's events, so the view lands in the access log
// and a terminal of another section is refused and recorded, whatever URL is typed.
class TerminalPage {
public:
    static std::string list(const ConsoleContext& ctx);
    static std::string render(const ConsoleContext& ctx);
};

}  // namespace mamori::collector
