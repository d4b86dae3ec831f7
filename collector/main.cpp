// mamori-collector: keeps the terminals' evidence and answers for it.
#include <boost/program_options.hpp>
#include <google/protobuf/stubs/logging.h>
#include <filesystem>
#include <iostream>

#include "collector/Collector.h"
#include "collector/CollectorHome.h"
#include "mamori/common/Log.h"

namespace po = boost::program_options;
using namespace mamori::collector;

static int usage(const po::options_description& opts) {
    std::cout << "usage: mamori-collector init [options]   create keys, CA and store (once)\n"
                 "       mamori-collector run  [options]   serve agents and administrators\n\n"
              << opts;
    return 0;
}

int main(int argc, char** argv) {
    mamori::Log::setPrefix("mamori-collector");
    // protobuf logs every string field with invalid UTF-8 it parses: any client could fill the
    // log with them. The refusal of such a batch is logged once by the ingest path; protobuf's
    // own words go to the debug level.
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int, const std::string& message) {
        mamori::Log::debug("protobuf: " + message);
    });
    po::options_description opts("options");
    std::vector<std::string> names;
    CollectorHome::InitOptions init;
    std::string dir = "/var/lib/mamori-collector";
    int threads = 2;
    opts.add_options()("help,h", "show this help")("version", "show the version")
        ("dir", po::value(&dir), "state directory (default /var/lib/mamori-collector)")
        ("threads", po::value(&threads), "run: worker threads (default 2)")
        ("organisation", po::value(&init.organisation), "init: name in the CA certificate")
        ("agent-listen", po::value(&init.agent_listen), "init: agent endpoint HOST:PORT (default 0.0.0.0:8443)")
        ("admin-listen", po::value(&init.admin_listen), "init: admin endpoint HOST:PORT (default 127.0.0.1:8444)")
        ("name", po::value(&names), "init: a DNS name or IP agents use to reach this collector (repeatable)")
        ("store", po::value(&init.store_url), "init: store URL (default sqlite:DIR/store.db)")
        ("time-zone", po::value(&init.time_zone), "init: the municipality's time zone (default Asia/Tokyo)")
        ("join", po::value<std::string>(), "init: another collector's directory: share its CA, policy key and "
                                           "PostgreSQL store (several collectors behind a load balancer)")
        ("if-missing", "init: do nothing when DIR already holds a collector (first start of a package)")
        ("heartbeat-deadline", po::value(&init.heartbeat_deadline_minutes),
         "init: minutes of silence before a terminal is 'not reporting' (default 120)");
    po::options_description hidden;
    std::string command;
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
        std::cerr << "mamori-collector: " << e.what() << "\n(try --help)\n";
        return 2;
    }
    if (vm.count("version")) {
        std::cout << "mamori-collector " MAMORI_VERSION "\n";
        return 0;
    }
    if (vm.count("help") || command.empty()) return usage(opts);
    try {
        if (command == "init") {
            if (vm.count("if-missing") && std::filesystem::exists(std::filesystem::path(dir) / "collector.conf")) return 0;
            init.server_names = names;
            if (vm.count("join")) init.join = vm["join"].as<std::string>();
            CollectorHome::init(dir, init);
            std::cout << "collector created in " << dir << "\n"
                      << "  CA, TLS and policy keys (mode 0600), store, first admin token (admin.token)\n"
                      << "  start it with: mamori-collector run --dir " << dir << "\n";
            return 0;
        }
        if (command == "run") {
            CollectorHome home(dir);
            Collector collector(home);
            collector.run(threads);
            return 0;
        }
        std::cerr << "mamori-collector: unknown command '" << command << "' (try --help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "mamori-collector: " << e.what() << "\n";
        return 1;
    }
}
