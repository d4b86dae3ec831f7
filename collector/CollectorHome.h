#pragma once
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "mamori/common/ConfigFile.h"
#include "mamori/common/Log.h"

namespace mamori::collector {

// The collector's state directory and what lives in it:
//   collector.conf, ca.key/ca.pem, server.key/server.pem, policy.key, store.db,
//   admin.token and mamorictl.conf (for the local administrator).
// Every key is generated here, on the collector, with mode 0600.
class CollectorHome {
public:
    struct InitOptions {
        std::string organisation = "mamori";
        std::string agent_listen = "0.0.0.0:8443";
        std::string admin_listen = "127.0.0.1:8444";
        std::string metrics_listen = "127.0.0.1:9464";  // or "off"
        std::vector<std::string> server_names;  // DNS names / IPs agents use; default: hostname + loopback
        std::string store_url;                  // default sqlite:<dir>/store.db
        std::string time_zone = "Asia/Tokyo";
        int heartbeat_deadline_minutes = 120;
        // Another collector of the same service, sharing its PostgreSQL store: its CA and policy
        // key are taken (agents pin exactly those two), everything else is made here.
        std::filesystem::path join;
    };

    // Creates a new collector in dir; refuses to overwrite an existing one.
    static void init(const std::filesystem::path& dir, InitOptions options);

    // Finishes a server certificate renewal a crash interrupted (KeyPairFiles) before anything
    // reads the directory.
    explicit CollectorHome(std::filesystem::path dir);

    // A new server key (made here, 0600) and certificate from the same CA, for `names` (empty:
    // the names of the current certificate), valid for `validity`; the pair is replaced so that a
    // crash never leaves a key without its certificate. Served after the next restart. Returns
    // the new certificate (PEM).
    std::string renewServerCertificate(std::chrono::seconds validity, std::vector<std::string> names) const;
    static constexpr std::chrono::days kServerCertificateValidity{825};

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path file(const std::string& name) const { return dir_ / name; }
    const mamori::common::ConfigFile& config() const { return config_; }

    // log_level in collector.conf (default info); a bad value throws at construction.
    Log::Level logLevel() const;

    static const std::set<std::string>& knownKeys();

private:
    std::filesystem::path dir_;
    mamori::common::ConfigFile config_;
};

}  // namespace mamori::collector
