#include "agent/LockCommand.h"

#include <boost/asio/steady_timer.hpp>

namespace mamori::agent {

namespace {
// How long a lock command may run before it is taken for a foreground locker.
constexpr auto kForegroundAfter = std::chrono::seconds(3);
}  // namespace

LockCommand::LockCommand(const mamori::v1::Policy& policy, const AgentConfig& config,
                         mamori::platform::SessionMonitor* sessions)
    : command_(!policy.screen_lock().lock_command().empty() ? policy.screen_lock().lock_command()
               : !config.lock_command.empty()                ? config.lock_command
                                                             : std::string(kDefault)),
      sessions_(sessions) {}

void LockCommand::run(boost::asio::any_io_executor executor, mamori::platform::CommandRunner& runner,
                      const std::string& display, Done done) const {
    if (sessions_) {
        for (const auto& s : sessions_->active()) {
            if (s.display() != display) continue;
            auto answered = [done](bool locked, const std::string& detail) { done({locked, detail}); };
            if (sessions_->lock(s, answered)) return;
            break;
        }
    }
    runCommand(executor, runner, display, std::move(done));
}

void LockCommand::runCommand(boost::asio::any_io_executor executor, mamori::platform::CommandRunner& runner,
                             const std::string& display, Done done) const {
    struct Once {
        Done done;
        boost::asio::steady_timer timer;
        void finish(const Outcome& o) {
            timer.cancel();
            if (auto d = std::exchange(done, nullptr)) d(o);
        }
    };
    auto once = std::make_shared<Once>(Once{std::move(done), boost::asio::steady_timer(executor, kForegroundAfter)});
    once->timer.async_wait([once](const boost::system::error_code& ec) {
        if (!ec) once->finish({true, "lock command still running (a foreground locker)"});
    });
    runner.run({"/bin/sh", "-c", command_}, {"DISPLAY=" + display}, [once](const auto& r) {
        if (r.exit_code == 0) once->finish({true, {}});
        else once->finish({false, "lock command failed (exit " + std::to_string(r.exit_code) + ")" +
                                      (r.output.empty() ? "" : ": " + r.firstLine())});
    });
}

}  // namespace mamori::agent
