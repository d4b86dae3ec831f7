#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <optional>
#include <string>

#include "agent/AgentConfig.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/SessionMonitor.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::agent {

// How a display is locked: by the session's own locker through the OS where the OS runs the
// session on it (logind's LockSession, which the desktop answers with its own lock screen),
// else by a command: the policy's, else this terminal's configured one, else the freedesktop
// default. Shared by the screen lock and the operating-hours lock.
class LockCommand {
public:
    static constexpr const char* kDefault = "xdg-screensaver lock";

    struct Outcome {
        bool locked = false;
        std::string detail;  // why it failed, or how it ended
    };
    using Done = std::function<void(const Outcome&)>;

    // sessions: where the OS's own lock is asked first; nullptr for the command only.
    LockCommand(const mamori::v1::Policy& policy, const AgentConfig& config,
                mamori::platform::SessionMonitor* sessions = nullptr);

    const std::string& text() const { return command_; }

    // Locks one display: the OS's lock for the session on it, or else the command (DISPLAY
    // set), run as the user of the session on the display where there is one. A locker that stays in the foreground
    // until unlocked (xsecurelock, i3lock -n) counts as locked once it has run a moment
    // without failing; a command that exits, counts by its exit status.
    void run(boost::asio::any_io_executor executor, mamori::platform::CommandRunner& runner,
             const std::string& display, Done done) const;

private:
    // session: the one on the display, whose user runs the command; none: the agent does.
    void runCommand(boost::asio::any_io_executor executor, mamori::platform::CommandRunner& runner,
                    const std::string& display, const std::optional<mamori::platform::Session>& session,
                    Done done) const;

    std::string command_;
    mamori::platform::SessionMonitor* sessions_;
};

}  // namespace mamori::agent
