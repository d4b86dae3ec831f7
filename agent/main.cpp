// mamori-agent: the terminal's resident guard.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/program_options.hpp>
#include <iostream>

#include "agent/Agent.h"
#include "agent/AgentConfig.h"
#include "agent/AgentStatus.h"
#include "agent/Enrollment.h"
#include "agent/PendingEnrollment.h"
#include "mamori/common/Log.h"

namespace po = boost::program_options;
using namespace mamori::agent;

int main(int argc, char** argv) {
    mamori::Log::setPrefix("mamori-agent");
    po::options_description opts("options");
    std::string config_file = "/etc/mamori/agent.conf", state_dir, collector, token, host;
    int timeout = 15;
    opts.add_options()("help,h", "show this help")("version", "show the version")
        ("config", po::value(&config_file), "configuration file (default /etc/mamori/agent.conf)")
        ("state-dir", po::value(&state_dir), "state directory (overrides the config; default /var/lib/mamori)")
        ("collector", po::value(&collector), "enroll: the collector's agent endpoint, https://HOST:PORT")
        ("token", po::value(&token), "enroll: the one-time enrollment token")
        ("hostname", po::value(&host), "enroll: the name to enroll under (default: this host's name)")
        ("retry", "enroll: if the collector cannot enroll this terminal now, keep the request and let the "
                  "daemon retry in the background (silent installation)")
        ("timeout", po::value(&timeout), "farewell: seconds to deliver the journal (default 15)");
    po::options_description hidden;
    std::string command = "run";
    hidden.add_options()("command", po::value(&command));
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add("command", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "mamori-agent: " << e.what() << "\n(try --help)\n";
        return 2;
    }
    if (vm.count("version")) {
        std::cout << "mamori-agent " MAMORI_VERSION "\n";
        return 0;
    }
    if (vm.count("help")) {
        std::cout << "usage: mamori-agent [run]      run the daemon (until SIGTERM)\n"
                     "       mamori-agent enroll --collector URL --token TOKEN [--retry]\n"
                     "       mamori-agent status   enrolled?, policy, journal depth, last upload, last error\n"
                     "       mamori-agent farewell record AGENT_UNINSTALLED and deliver the journal (package removal;\n"
                     "                             the daemon must be stopped)\n\n"
                  << opts;
        return 0;
    }
    try {
        AgentConfig config = AgentConfig::load(config_file);
        if (!state_dir.empty()) config.state_dir = state_dir;
        if (config.log_level == "debug") mamori::Log::setLevel(mamori::Log::Level::Debug);
        if (command == "run") {
            int rc = Agent(config).run();
            if (rc != Agent::kRestart) return rc;
            // Just enrolled: start anew as the enrolled terminal, with every control re-applied.
            mamori::Log::info("restarting as the enrolled terminal");
            ::execv("/proc/self/exe", argv);
            std::cerr << "mamori-agent: cannot restart: " << std::strerror(errno) << "\n";
            return 1;
        }
        if (command == "farewell") return Agent(config).farewell(std::chrono::seconds(timeout));
        if (command == "status") {
            std::cout << AgentStatus::load(config.state_dir).describe();
            return 0;
        }
        if (command == "enroll") {
            if (collector.empty() && !config.collectors.empty()) collector = config.collectors.front();
            if (collector.empty() || token.empty()) {
                std::cerr << "mamori-agent enroll: --collector and --token are required\n";
                return 2;
            }
            if (host.empty()) {
                char buf[256] = {};
                gethostname(buf, sizeof buf - 1);
                host = buf;
            }
            if (AgentIdentity::load(config.state_dir)) {
                std::cout << "already enrolled (" << AgentIdentity::load(config.state_dir)->terminal_id
                          << "); nothing to do\n";
                return 0;
            }
            AgentIdentity id;
            try {
                id = Enrollment::run(config.state_dir, collector, token, host);
            } catch (const std::exception& e) {
                if (!vm.count("retry")) throw;
                PendingEnrollment{collector, token, host}.save(config.state_dir);
                std::cerr << "mamori-agent: enrollment with " << collector << " did not complete: " << e.what()
                          << "\n  the agent keeps trying in the background; until then the built-in default "
                             "policy (USB storage blocked, screen lock after 5 min) is in force\n"
                          << "  登録が完了していません。エージェントが自動で再試行します。それまでは既定のポリシー"
                             "（USBメモリ禁止・5分でロック）が適用されます。\n";
                return 3;
            }
            PendingEnrollment::clear(config.state_dir);
            std::cout << "enrolled as " << id.terminal_id << " (group '" << id.group << "') with " << collector << "\n";
            return 0;
        }
        std::cerr << "mamori-agent: unknown command '" << command << "' (try --help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "mamori-agent: " << e.what() << "\n";
        return 1;
    }
}
