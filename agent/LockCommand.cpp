#include "agent/LockCommand.h"

#include <boost/asio/steady_timer.hpp>

#include "mamori/platform/UserDesktop.h"

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
    std::optional<mamori::platform::Session> on_display;
    if (sessions_) {
        for (const auto& s : sessions_->active()) {
            if (s.display() != display) continue;
            auto answered = [done](bool locked, const std::string& detail) { done({locked, detail}); };
            if (sessions_->lock(s, answered)) return;
            on_display = s;
            break;
        }
    }
    runCommand(executor, runner, display, on_display, std::move(done));
}

void LockCommand::runCommand(boost::asio::any_io_executor executor, mamori::platform::CommandRunner& runner,
                             const std::string& display, const std::optional<mamori::platform::Session>& session,
                             Done done) const {
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
    // As the user logged on to the display, where the system knows them: the lock is theirs (their
    // screen saver, their session bus), and root never runs X clients against a display whose
    // server, or whose clients, that user controls.
    std::vector<std::string> argv{"/bin/sh", "-c", command_};
    std::vector<std::string> env{"DISPLAY=" + display};
    if (auto desktop = session ? mamori::platform::userDesktop(*session) : std::nullopt) {
        // The user's own X cookie: an XAUTHORITY the agent was started with is root's, which
        // another user can neither read nor should (root's own session keeps it).
        const bool another_user = !desktop->run_as.empty();
        argv = desktop->command(std::move(argv));
        env = desktop->env;  // DISPLAY among them
        if (another_user) env.push_back("XAUTHORITY=" + desktop->home + "/.Xauthority");
    }
    runner.run(std::move(argv), std::move(env), [once](const auto& r) {
        if (r.exit_code == 0) once->finish({true, {}});
        else once->finish({false, "lock command failed (exit " + std::to_string(r.exit_code) + ")" +
                                      (r.output.empty() ? "" : ": " + r.firstLine())});
    });
}

}  // namespace mamori::agent
