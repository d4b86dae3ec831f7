#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/DesktopNotification.h"
#include "mamori/platform/Clock.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/Session.h"

namespace mamori::agent {

// What the person at a terminal is told when a control stops them (a stick refused, a program
// not started): a notification on their own desktop, Japanese first, naming whom to call (the
// policy's helpdesk). Only the sessions of the user concerned, or of everyone at the terminal
// when a device cannot know its user. The same notice to the same user at most once a minute, so
// a program started in a loop does not bury the desktop.
class UserNotice {
public:
    using Sessions = std::function<std::vector<mamori::platform::Session>()>;

    UserNotice(std::unique_ptr<mamori::platform::CommandRunner> commands, const std::string& notify_command,
               Sessions sessions, const mamori::platform::Clock& clock);

    // From each applied policy; empty: no contact line.
    void setHelpdesk(std::string helpdesk) { helpdesk_ = std::move(helpdesk); }

    // user: the account concerned; empty: every session with a desktop. Returns how many
    // sessions were told.
    int tell(const std::string& user, const std::string& summary, const std::string& body);

    // body with the contact line the notice ends with.
    std::string withHelpdesk(const std::string& body) const;

private:
    std::unique_ptr<mamori::platform::CommandRunner> commands_;
    DesktopNotification notification_;
    Sessions sessions_;
    const mamori::platform::Clock& clock_;
    std::string helpdesk_;
    std::map<std::string, int64_t> last_told_ns_;  // user + text -> when, for the once-a-minute rule
};

}  // namespace mamori::agent
