// mamori-collector: keeps the terminals' evidence and answers for it.
#include <google/protobuf/stubs/logging.h>

#include <filesystem>
#include <iostream>

#include "collector/Collector.h"
#include "collector/CollectorHome.h"
#include "mamori/common/CommandLine.h"
#include "mamori/common/Log.h"

using namespace mamori::collector;
using mamori::common::CommandLine;

int main(int argc, char** argv) {
    mamori::Log::setPrefix("mamori-collector");
    // protobuf logs every string field with invalid UTF-8 it parses: any client could fill the
    // log with them. The refusal of such a batch is logged once by the ingest path; protobuf's
    // own words go to the debug level.
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int, const std::string& message) {
        mamori::Log::debug("protobuf: " + message);
    });
    CommandLine cli("mamori-collector",
                    "mamori-collector: keeps the terminals' signed evidence, serves them policy, answers "
                    "administrators");
    CLI::App& app = cli.app();
    app.set_version_flag("--version", "mamori-collector " MAMORI_VERSION, "show the version and exit");
    std::string dir = "/var/lib/mamori-collector";
    app.add_option("--dir", dir, "state directory (default /var/lib/mamori-collector)")->type_name("DIR");

    CollectorHome::InitOptions init;
    std::string join;
    bool if_missing = false;
    CLI::App* init_cmd = cli.command(
        app, "init", "create keys, CA and store in the state directory (once)",
        "  mamori-collector init --dir /var/lib/mamori-collector --name collector.city.local\n"
        "  mamori-collector init --dir /var/lib/mamori-collector --join /path/to/first-collector-dir \\\n"
        "      --name collector2.city.local",
        [&] {
            if (if_missing && std::filesystem::exists(std::filesystem::path(dir) / "collector.conf")) return 0;
            if (!join.empty()) init.join = join;
            CollectorHome::init(dir, init);
            std::cout << "collector created in " << dir << "\n"
                      << "  CA, TLS and policy keys (mode 0600), store, first admin token (admin.token)\n"
                      << "  start it with: mamori-collector run --dir " << dir << "\n";
            return 0;
        });
    init_cmd->add_option("--organisation", init.organisation, "name in the CA certificate")->type_name("NAME");
    init_cmd->add_option("--agent-listen", init.agent_listen, "agent endpoint (default 0.0.0.0:8443)")
        ->type_name("HOST:PORT");
    init_cmd->add_option("--admin-listen", init.admin_listen, "admin endpoint (default 127.0.0.1:8444)")
        ->type_name("HOST:PORT");
    init_cmd->add_option("--name", init.server_names, "a DNS name or IP agents use to reach this collector (repeatable)")
        ->type_name("NAME")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    init_cmd->add_option("--store", init.store_url, "store URL (default sqlite:DIR/store.db)")->type_name("URL");
    init_cmd->add_option("--time-zone", init.time_zone, "the municipality's time zone (default Asia/Tokyo)")
        ->type_name("ZONE");
    init_cmd->add_option("--join", join,
                         "another collector's directory: share its CA, policy key and PostgreSQL store (several "
                         "collectors behind a load balancer)")
        ->type_name("DIR");
    init_cmd->add_flag("--if-missing", if_missing, "do nothing when DIR already holds a collector (first start of a package)");
    init_cmd->add_option("--heartbeat-deadline", init.heartbeat_deadline_minutes,
                         "minutes of silence before a terminal is 'not reporting' (default 120)")
        ->type_name("MIN");

    int threads = 2;
    CLI::App* run = cli.command(app, "run", "serve agents and administrators until SIGTERM",
                                "  mamori-collector run --dir /var/lib/mamori-collector", [&] {
                                    CollectorHome home(dir);
                                    Collector collector(home);
                                    collector.run(threads);
                                    return 0;
                                });
    run->add_option("--threads", threads, "worker threads (default 2)")->type_name("N")->check(CLI::Range(1, 256));

    return cli.run(argc, argv);
}
