#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <string>

#include "agent/AgentConfig.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::agent {

// The command that locks a display: the policy's, else this terminal's configured one, else
// the freedesktop default. Shared by the screen lock and the operating-hours lock.
class LockCommand {
public:
    static constexpr const char* kDefault = "xdg-screensaver lock";

    struct Outcome {
        bool locked = false;
        std::string detail;  // why it failed, or how it ended
    };
    using Done = std::function<void(const Outcome&)>;

    LockCommand(const mamori::v1::Policy& policy, const AgentConfig& config);

    const std::string& text() const { return command_; }

    // Runs the command for one display (DISPLAY set). A locker that stays in the foreground
    // until unlocked (xsecurelock, i3lock -n) counts as locked once it has run a moment
    // without failing; a command that exits, counts by its exit status.
    void run(boost::asio::any_io_executor executor, mamori::platform::CommandRunner& runner,
             const std::string& display, Done done) const;

private:
    std::string command_;
};

}  // namespace mamori::agent
