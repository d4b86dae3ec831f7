#include "collector/CollectorHome.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/host_name.hpp>

#include "collector/CertificateAuthority.h"
#include "collector/ListenAddress.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/proto/Ed25519Key.h"
#include "mamori/proto/EnrollmentToken.h"
#include "mamori/common/Files.h"
#include "mamori/common/KeyPairFiles.h"
#include "mamori/common/Log.h"
#include "mamori/common/UserError.h"
#include "mamori/proto/Sha256.h"

namespace mamori::collector {

namespace {

// mamorictl.conf, which init writes, reaches the admin endpoint of this machine at 127.0.0.1: the
// server certificate names the loopback addresses too, whatever names the terminals use.
// An address is compared as an address: a certificate spells ::1 as 0:0:0:0:0:0:0:1.
void withLoopbackNames(std::vector<std::string>& names) {
    const auto same = [](const std::string& a, const std::string& b) {
        boost::system::error_code ea, eb;
        const auto x = boost::asio::ip::make_address(a, ea), y = boost::asio::ip::make_address(b, eb);
        return a == b || (!ea && !eb && x == y);
    };
    for (const std::string loopback : {"localhost", "127.0.0.1", "::1"})
        if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return same(n, loopback); }))
            names.push_back(loopback);
}

}  // namespace

using mamori::common::Files;

const std::set<std::string>& CollectorHome::knownKeys() {
    static const std::set<std::string> keys{"agent_listen", "admin_listen", "store", "time_zone",
                                            "heartbeat_deadline_minutes", "batch_max_events", "sync_interval_seconds",
                                            "request_timeout_seconds", "max_body_bytes", "max_connections", "max_connections_per_address", "shed_when_overloaded",
                                            "retention_events_years", "retention_exceptions_years",
                                            "client_certificate_lifetime", "retention_media_years", "syslog_url",
                                            "syslog_hostname", "smtp_url", "smtp_from", "smtp_ca", "smtp_starttls",
                                            "alert_mail_ciso", "alert_mail_sections", "alert_interval", "log_level", "metrics_listen", "syslog_ca",
                                            "console_idle_seconds"};
    return keys;
}

CollectorHome::CollectorHome(std::filesystem::path dir)
    : dir_(std::move(dir)), config_(mamori::common::ConfigFile::load(dir_ / "collector.conf", knownKeys())) {
    common::KeyPairFiles(dir_ / "server.key", dir_ / "server.pem").recover();
    logLevel();  // a bad value is refused at once, and by the SIGHUP check
}

Log::Level CollectorHome::logLevel() const {
    return *Log::levelNamed(config_.getChoice("log_level", "info", Log::kLevelNames));
}

std::string CollectorHome::renewServerCertificate(std::chrono::seconds validity, std::vector<std::string> names) const {
    const auto ca = CertificateAuthority::load(dir_);
    const auto current = mamori::proto::Certificate::fromPem(Files::read(file("server.pem")));
    if (names.empty()) names = current.subjectAltNames();
    if (names.empty())
        throw common::UserError::invalid(
            "the current server certificate names no host; give the names agents use with --name",
            "現在のサーバー証明書にホスト名がありません。エージェントが接続に使う名前を --name で指定してください");
    withLoopbackNames(names);
    const auto key = mamori::proto::Ed25519Key::generate();
    const std::string pem = ca.issueServer(key, names, validity);
    const common::KeyPairFiles pair(file("server.key"), file("server.pem"));
    pair.stageKey(key.privatePem());
    pair.install(pem);
    return pem;
}

void CollectorHome::init(const std::filesystem::path& dir, InitOptions o) {
    if (std::filesystem::exists(dir / "collector.conf"))
        throw std::runtime_error(dir.string() + " already holds a collector; refusing to overwrite its keys");
    // What `run` would refuse is refused now, before any key is made.
    ListenAddress::parse(o.agent_listen, "--agent-listen");
    ListenAddress::parse(o.admin_listen, "--admin-listen");
    if (o.metrics_listen != "off") ListenAddress::parse(o.metrics_listen, "--metrics-listen");
    LocalCalendar{o.time_zone};
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);

    const bool joining = !o.join.empty();
    if (joining) {
        CollectorHome other(o.join);
        if (o.store_url.empty()) o.store_url = other.config().get("store", "");
        if (!o.store_url.starts_with("postgresql://") && !o.store_url.starts_with("postgres://"))
            throw std::runtime_error("collectors share a store only in PostgreSQL; " + o.join.string() + " uses " +
                                     o.store_url + " (move it with mamori-collector migrate)");
        // The service's identity, copied from a collector that has it; the TLS key below is this
        // machine's own.
        for (const char* name : {"ca.key", "ca.pem", "policy.key", "admin.token"}) {
            const bool secret = std::string_view(name) != "ca.pem";
            Files::writeAtomic(dir / name, Files::read(o.join / name), secret ? 0600 : 0644);
        }
    }
    auto ca = joining ? CertificateAuthority::load(dir) : CertificateAuthority::create(dir, o.organisation);
    if (o.server_names.empty()) {
        boost::system::error_code ec;
        o.server_names = {boost::asio::ip::host_name(ec)};
    }
    withLoopbackNames(o.server_names);
    auto server_key = mamori::proto::Ed25519Key::generate();
    common::Files::writeSecret(dir / "server.key", server_key.privatePem());
    Files::writeAtomic(dir / "server.pem", ca.issueServer(server_key, o.server_names, kServerCertificateValidity));
    if (!joining) common::Files::writeSecret(dir / "policy.key", mamori::proto::Ed25519Key::generate().privatePem());

    if (o.store_url.empty()) o.store_url = "sqlite:" + (std::filesystem::absolute(dir) / "store.db").string();
    auto store = openStore(o.store_url);
    store->putSetting("time_zone", o.time_zone);

    // The first administrator's token: a security_admin, who adds the others through mamorictl,
    // the first CISO among them (UserApi). A joining collector's store has them already.
    if (!joining) {
        auto admin_token = mamori::proto::EnrollmentToken::generate("").secret;
        store->addAdminUser(
            AdminUser{"admin", "security_admin", {}, mamori::proto::Sha256::hex(mamori::proto::Sha256::of(admin_token)), {}, 0});
        Files::writeAtomic(dir / "admin.token", admin_token + "\n", 0600);
    }

    mamori::common::ConfigFile::write(dir / "collector.conf",
                                     {{"agent_listen", o.agent_listen},
                                      {"admin_listen", o.admin_listen},
                                      {"metrics_listen", o.metrics_listen},
                                      {"store", o.store_url},
                                      {"time_zone", o.time_zone},
                                      {"heartbeat_deadline_minutes", std::to_string(o.heartbeat_deadline_minutes)}},
                                     "# mamori collector configuration\n", 0600);
    auto admin_port = o.admin_listen.substr(o.admin_listen.rfind(':') + 1);
    auto abs = std::filesystem::absolute(dir);
    mamori::common::ConfigFile::write(dir / "mamorictl.conf",
                                     {{"url", "https://127.0.0.1:" + admin_port},
                                      {"ca", (abs / "ca.pem").string()},
                                      {"token_file", (abs / "admin.token").string()}},
                                     "# mamorictl: where the admin endpoint is and who you are\n", 0600);
}

}  // namespace mamori::collector
