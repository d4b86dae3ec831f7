#pragma once
#include <string>

#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/Session.h"

namespace mamori::agent {

// A message on a session's own desktop (a refused stick or program, the operating-hours warning
// and lock): the notify command (notify-send, or this terminal's configured one) run as the
// session's user, on its display and session bus, with notify-send's arguments. A text session
// has no desktop; its own terminal is written to instead (platform::writeToSessionTerminal).
class DesktopNotification {
public:
    DesktopNotification(mamori::platform::CommandRunner& runner, std::string command);

    // false when there is nothing to show it on (a text session, an unknown user, no command).
    bool show(const mamori::platform::Session& session, const std::string& summary, const std::string& body);

    // body ending with whom to call (the policy's helpdesk), as every notice does; unchanged when
    // the policy names none.
    static std::string withContact(const std::string& body, const std::string& helpdesk);

private:
    mamori::platform::CommandRunner& runner_;
    std::string command_;
};

}  // namespace mamori::agent
