// mamori-agent: the terminal's resident guard. Only `mamori-agent run` starts the daemon.
#include <ctime>
#include <filesystem>
#include <iostream>

#include "agent/Agent.h"
#include "agent/AgentConfig.h"
#include "agent/AgentStatus.h"
#include "agent/Enrollment.h"
#include "agent/PendingEnrollment.h"
#include "mamori/common/CommandLine.h"
#include "mamori/common/FileLock.h"
#include "mamori/common/Log.h"
#include "mamori/platform/ResidentMemory.h"
#include "mamori/platform/ThisProcess.h"

using namespace mamori::agent;
using mamori::common::CommandLine;

int main(int argc, char** argv) {
    mamori::Log::setPrefix("mamori-agent");
    CommandLine cli("mamori-agent",
                    "mamori-agent: the terminal's resident guard (USB media, operating hours, software, screen lock)");
    CLI::App& app = cli.app();
    app.set_version_flag("--version", "mamori-agent " MAMORI_VERSION, "show the version and exit");
    std::string config_file = "/etc/mamori/agent.conf", state_dir, collector, token, host;
    bool retry = false;
    int timeout = 15;
    app.add_option("--config", config_file, "configuration file (default /etc/mamori/agent.conf)")->type_name("FILE");
    app.add_option("--state-dir", state_dir, "state directory (overrides the config; default /var/lib/mamori)")
        ->type_name("DIR");
    std::string log_level;
    app.add_option("--log-level", log_level, "debug, info, warning or error (overrides log_level in the config)")
        ->type_name("LEVEL")
        ->check(CLI::IsMember(std::vector<std::string>(mamori::Log::kLevelNames.begin(), mamori::Log::kLevelNames.end())));
    auto load = [&] {
        AgentConfig config = AgentConfig::load(config_file);
        if (!state_dir.empty()) config.state_dir = state_dir;
        if (!log_level.empty()) config.log_level = log_level;
        mamori::Log::setLevel(*mamori::Log::levelNamed(config.log_level));
        return config;
    };

    // One agent per state directory: a second `run` (or a farewell while the daemon runs) exits
    // with CommandLine::kBusy and names the pid that holds it.
    auto canBeBusy = [](CLI::App* command) { command->footer(command->get_footer() + CommandLine::kBusyExitCode); };

    canBeBusy(cli.command(app, "run",
                "run the daemon until SIGTERM, as systemd does (mamori-agent.service); as root it takes over USB "
                "authorization, so start it only through the service",
                "  systemctl start mamori-agent\n  mamori-agent run --config /etc/mamori/agent.conf", [&] {
                    const AgentConfig config = load();
                    mamori::platform::ResidentMemory::shareOneHeap();
                    const int rc = Agent(config).run();
                    if (rc != Agent::kRestart) return rc;
                    // Just enrolled: start anew as the enrolled terminal, with every control re-applied.
                    // The agent above is gone, and with it the state directory's lock, which the new
                    // image takes again (its descriptor is close-on-exec besides).
                    mamori::Log::info("restarting as the enrolled terminal");
                    mamori::platform::restartThisProgram(argv);
                }));

    CLI::App* enroll = cli.command(
        app, "enroll", "enroll this terminal with a collector, with a one-time token from `mamorictl token create`",
        "  mamori-agent enroll --collector https://collector.city.local:8443 --token TOKEN\n"
        "  mamori-agent enroll --collector https://collector.city.local:8443 --token TOKEN --retry",
        [&] {
            const AgentConfig config = load();
            if (collector.empty() && !config.collectors.empty()) collector = config.collectors.front();
            if (collector.empty())
                throw CLI::RequiredError("--collector (the collector's agent endpoint; none is in " + config_file + ")");
            if (host.empty()) host = mamori::platform::hostName();
            if (const auto enrolled = AgentIdentity::load(config.state_dir)) {
                std::cout << "already enrolled (" << enrolled->terminal_id << "); nothing to do\n";
                return CommandLine::kSuccess;
            }
            AgentIdentity id;
            try {
                id = Enrollment::run(config.state_dir, collector, token, host);
            } catch (const std::exception& e) {
                if (!retry) throw;
                PendingEnrollment{collector, token, host}.save(config.state_dir);
                std::cerr << "mamori-agent: enrollment with " << collector << " did not complete: " << e.what()
                          << "\n  the agent keeps trying in the background; until then the built-in default "
                             "policy (USB storage blocked, screen lock after 5 min) is in force\n"
                          << "  登録が完了していません。エージェントが自動で再試行します。それまでは既定のポリシー"
                             "（USBメモリ禁止・5分でロック）が適用されます。\n";
                return CommandLine::kFailure;
            }
            PendingEnrollment::clear(config.state_dir);
            std::cout << "enrolled as " << id.terminal_id << " (group '" << id.group << "') with " << collector << "\n";
            return CommandLine::kSuccess;
        });
    enroll->add_option("--collector", collector,
                       "the collector's agent endpoint, https://HOST:PORT (default: the first in the config)")
        ->type_name("URL");
    cli.required(enroll->add_option("--token", token, "the one-time enrollment token")->type_name("TOKEN"),
                 "the enrollment token", "登録トークン（--token）が指定されていません");
    enroll->add_option("--hostname", host, "the name to enroll under (default: this host's name)")->type_name("NAME");
    enroll->add_flag("--retry", retry,
                     "if the collector cannot enroll this terminal now, keep the request and let the daemon retry in "
                     "the background (silent installation); exits 1 all the same");

    CLI::App* status = cli.command(
        app, "status", "running?, enrolled?, policy, journal depth, last upload, last error; the exit status says "
                       "whether the agent is running and reporting",
        "  mamori-agent status\n  mamori-agent status || alert \"terminal not reporting\"", [&] {
            const AgentConfig config = load();
            const AgentStatus s = AgentStatus::load(config.state_dir);
            // Whether a daemon holds the state directory's lock now, not the pid the file names:
            // a stopped agent leaves its pid behind.
            const auto holder = mamori::common::FileLock::holderOf(config.state_dir / Agent::kLockFile);
            const auto health = s.health(holder ? std::optional<uint32_t>(holder->pid) : std::nullopt,
                                         std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch()).count());
            std::cout << s.describe() << "state:           " << health.english << "\n"
                      << "                 " << health.japanese << "\n";
            return health.exit_code;
        });
    status->footer(status->get_footer() +
                   "Exit status of status: 0 running and reporting (an upload within the policy's heartbeat), "
                   "4 not running, 5 running but not reporting, 6 running but not enrolled.\n"
                   "status の終了コード: 0 動作中で報告できている（ポリシーのハートビート以内に送信）、4 停止中、"
                   "5 動作中だが報告できていない、6 動作中だが未登録。\n");

    CLI::App* farewell = cli.command(
        app, "farewell",
        "record AGENT_UNINSTALLED and deliver the journal (package removal; the daemon must be stopped)",
        "  mamori-agent farewell --config /etc/mamori/agent.conf --timeout 15",
        [&] { return Agent(load()).farewell(std::chrono::seconds(timeout)); });
    canBeBusy(farewell);
    farewell->add_option("--timeout", timeout, "seconds to deliver the journal (default 15)")
        ->type_name("S")
        ->check(CLI::Range(1, 3600));

    return cli.run(argc, argv);
}
