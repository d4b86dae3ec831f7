#pragma once
#include <optional>
#include <string>
#include <vector>

#include "mamori/platform/Session.h"

namespace mamori::platform {

// What a helper program needs to act in a user's own desktop session rather than in the
// agent's: to run as that user (a session bus admits only its owner, and whatever the helper
// writes in the user's home stays theirs), with their home and, where known, their display
// and session bus.
struct UserDesktop {
    std::string user;
    std::string home;
    std::string display;              // ":0"; empty where the session has no X display
    std::vector<std::string> run_as;  // an argv prefix that drops to the user; empty when the agent is that user
    std::vector<std::string> env;     // "NAME=value": HOME, USER, LOGNAME, XDG_RUNTIME_DIR, DISPLAY, DBUS_SESSION_BUS_ADDRESS
    bool session_bus = false;         // DBUS_SESSION_BUS_ADDRESS is among env

    std::vector<std::string> command(std::vector<std::string> argv) const {
        argv.insert(argv.begin(), run_as.begin(), run_as.end());
        return argv;
    }
};

// nullopt when the session's user is not known to this system, or when the agent, being
// neither root nor that user, cannot act as them.
std::optional<UserDesktop> userDesktop(const Session& session);

}  // namespace mamori::platform
