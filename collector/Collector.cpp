#include "collector/Collector.h"

#include <csignal>

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/ssl/context.hpp>
#include <thread>

#include "collector/AdminApi.h"
#include "collector/AgentApi.h"
#include "collector/AlertMailer.h"
#include "collector/CertificateAuthority.h"
#include "collector/CertificateExpiry.h"
#include "collector/CollectorMetrics.h"
#include "collector/console/Console.h"
#include "collector/console/ConsoleCertificate.h"
#include "collector/EventIngest.h"
#include "collector/HttpsServer.h"
#include "collector/KnownSections.h"
#include "collector/LifecycleApi.h"
#include "collector/ListenAddress.h"
#include "collector/LocalCalendar.h"
#include "collector/MailMessage.h"
#include "collector/MetricsServer.h"
#include "collector/OverloadDetector.h"
#include "collector/QueueDelayProbe.h"
#include "collector/RetentionPurge.h"
#include "collector/SyslogForwarder.h"
#include "mamori/proto/Ed25519Key.h"
#include "mamori/common/Files.h"
#include "mamori/common/Log.h"
#include "mamori/common/UserError.h"
#include "mamori/common/ServiceNotifier.h"
#include "mamori/common/ServiceWatchdog.h"

namespace mamori::collector {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::unique_ptr<asio::ssl::context> serverContext(const CollectorHome& home, bool require_client_ca);

// The administrators' listener: the collector's certificate for its own programs, and the
// console's for browsers.
std::unique_ptr<asio::ssl::context> adminContext(const CollectorHome& home) {
    auto ctx = serverContext(home, false);
    ConsoleCertificate::addTo(ctx->native_handle(), home.dir());
    return ctx;
}

std::unique_ptr<asio::ssl::context> serverContext(const CollectorHome& home, bool require_client_ca) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
    // A connection waiting for its turn, or between requests, holds no record buffers (about
    // 50 KB a connection otherwise): memory follows the work, not the connections.
    SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    // The chain includes the CA so a terminal holding only the pinned fingerprint can check it.
    std::string chain = mamori::common::Files::read(home.file("server.pem")) + mamori::common::Files::read(home.file("ca.pem"));
    ctx->use_certificate_chain(asio::buffer(chain));
    ctx->use_private_key(asio::buffer(mamori::common::Files::read(home.file("server.key"))), asio::ssl::context::pem);
    if (require_client_ca) {
        std::string ca = mamori::common::Files::read(home.file("ca.pem"));
        ctx->add_certificate_authority(asio::buffer(ca));
        // Ask for a certificate, and verify any that is offered against our CA; its absence is
        // judged per endpoint, since /v1/enroll is reached before a terminal has one.
        ctx->set_verify_mode(asio::ssl::verify_peer);
    }
    // Resumption: a terminal reconnects at every sync, and a resumed TLS 1.3 session spares both
    // ends the certificate chain and the signatures. The ticket carries the client certificate
    // verified in the full handshake, which every request still judges afresh against the store
    // and the clock (TerminalAdmission). OpenSSL needs a session id context to resume sessions
    // with a verified peer. One ticket per handshake, as a client keeps only the newest; the
    // ticket keys are random per process, so a restart means one full handshake per terminal.
    static constexpr unsigned char kSessionContext[] = "mamori-collector";
    SSL_CTX_set_session_id_context(ctx->native_handle(), kSessionContext, sizeof kSessionContext - 1);
    SSL_CTX_set_num_tickets(ctx->native_handle(), 1);
    SSL_CTX_set_timeout(ctx->native_handle(), 3600);
    return ctx;
}

}  // namespace

struct Collector::Impl {
    asio::io_context io;
    std::unique_ptr<Store> store;
    LocalCalendar calendar;
    CertificateAuthority ca;
    EventIngest ingest;
    AgentApi agent_api;
    AdminApi admin_api;
    LifecycleApi lifecycle_api;
    Console console;
    RetentionPurge retention;
    std::unique_ptr<SyslogForwarder> syslog;  // these two before the servers: they are gone before them
    std::unique_ptr<AlertMailer> mailer;
    CollectorMetrics metrics;  // before the servers, which tell it of every answer
    std::unique_ptr<asio::ssl::context> agent_tls, admin_tls;
    // Before the listeners, which must not outlive it. Past capacity the agents' listener sheds:
    // while work waits more than 50 ms for a worker throughout half a second, or after every
    // worker was held for a second. A worker runs the store's SQL itself, an fsync included, so a
    // handful of busy clients already make work wait 10-30 ms; that is a queue the clients bound,
    // not overload. A probe every 20 ms costs nothing idle.
    OverloadDetector overload{std::chrono::milliseconds(50), std::chrono::milliseconds(500), std::chrono::seconds(1)};
    QueueDelayProbe queue_probe{io, overload, std::chrono::milliseconds(20)};
    std::unique_ptr<HttpsServer> agent_server, admin_server;
    std::unique_ptr<MetricsServer> metrics_server;
    tcp::endpoint metrics_endpoint;
    asio::signal_set signals{io, SIGINT, SIGTERM, SIGHUP};
    std::filesystem::path home_dir;
    std::vector<CertificateExpiry::Entry> served;  // server.pem and ca.pem as loaded at start
    asio::steady_timer purge_timer{io};
    // After the store and everything else a purge uses, so it is destroyed before them: a purge
    // under way is finished first.
    asio::thread_pool housekeeping{1};
    asio::steady_timer certificate_timer{io};
    common::ServiceWatchdog watchdog{io.get_executor()};

    static HttpsServer::Limits limits(const CollectorHome& home) {
        HttpsServer::Limits l;
        l.request_timeout = std::chrono::seconds(home.config().getInt("request_timeout_seconds", 15, 1, 600));
        l.handshake_timeout = l.request_timeout;
        l.max_body_bytes = home.config().getInt("max_body_bytes", 16 << 20, 1024, 1 << 30);
        l.max_connections = home.config().getInt("max_connections", 1024, 16, 1 << 20);
        l.max_connections_per_address = home.config().getInt("max_connections_per_address", 64, 1, 1 << 20);
        return l;
    }

    // Agents are shed while the workers cannot keep up, since they come back by themselves (as a
    // 503 asks); an administrator's request is never turned away for load.
    HttpsServer::Limits agentLimits(const CollectorHome& home) {
        auto l = limits(home);
        static constexpr std::array<std::string_view, 2> kYesNo{"yes", "no"};
        if (home.config().getChoice("shed_when_overloaded", "yes", kYesNo) == "yes") {
            l.shed_when = &overload;
            l.limit_admissions = true;
        }
        return l;
    }

    // The silence after which a terminal whose profile sets no heartbeat is not reporting.
    static int64_t heartbeatDeadlineSeconds(const CollectorHome& home) {
        return home.config().getInt("heartbeat_deadline_minutes", 120, 1, 525600) * 60;
    }

    static AlertMailer::Settings mailSettings(const CollectorHome& home) {
        const auto& c = home.config();
        AlertMailer::Settings m;
        m.smtp.url = c.get("smtp_url", "");
        m.smtp.from = c.get("smtp_from", "");
        if (!MailMessage::plainAddress(m.smtp.from))
            throw common::UserError::invalid("smtp_from in collector.conf must be the sender's mail address",
                                             "collector.conf の smtp_from には送信元のメールアドレスを指定してください");
        m.smtp.ca_file = c.get("smtp_ca", "");
        static constexpr std::array<std::string_view, 2> kStartTls{"required", "off"};
        m.smtp.require_tls = c.getChoice("smtp_starttls", "required", kStartTls) == "required";
        if (const std::string ciso = c.get("alert_mail_ciso", ""); !ciso.empty())
            m.ciso = AlertMailer::parseAddresses(ciso, "alert_mail_ciso");
        m.sections = AlertMailer::parseSections(c.get("alert_mail_sections", ""));
        if (m.ciso.empty() && m.sections.empty())
            throw common::UserError::invalid(
                "smtp_url is set but nobody receives alerts: set alert_mail_ciso and/or alert_mail_sections",
                "smtp_url がありますが宛先がありません。alert_mail_ciso か alert_mail_sections を指定してください");
        m.interval = c.getDuration("alert_interval", std::chrono::minutes(15), std::chrono::seconds(10), std::chrono::days(1));
        m.heartbeat_deadline_s = heartbeatDeadlineSeconds(home);
        return m;
    }

    static RetentionPurge::Periods retentionPeriods(const CollectorHome& home) {
        RetentionPurge::Periods p;
        // At least a year: the documents never ask for less (REQUIREMENTS: retention).
        p.events_years = static_cast<int>(home.config().getInt("retention_events_years", p.events_years, 1, 100));
        p.exceptions_years =
            static_cast<int>(home.config().getInt("retention_exceptions_years", p.exceptions_years, 1, 100));
        p.media_years = static_cast<int>(home.config().getInt("retention_media_years", p.media_years, 1, 100));
        return p;
    }

    // The daily purge, on a thread of its own: it deletes in short chunks, each a write of its
    // own, so syncs and ingest take turns with it, but on a worker it held that worker for as long
    // as it ran (seconds at fleet scale) and the agents were shed meanwhile. The first runs soon
    // after start so a collector restarted every night still purges.
    void schedulePurge(std::chrono::seconds after) {
        purge_timer.expires_after(after);
        purge_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            asio::post(housekeeping, [this] {
                try {
                    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count();
                    Log::info(retention.describe(retention.runAt(now)));
                } catch (const std::exception& e) {
                    Log::warn(std::string("retention purge failed, retried in a day: ") + e.what());
                }
                asio::post(io, [this] { schedulePurge(std::chrono::hours(24)); });
            });
        });
    }

    // The collector's own certificates, at start and daily: a warning 90 days before either
    // expires, and a reminder when a renewed server certificate waits on disk for a restart.
    void scheduleCertificateCheck(std::chrono::seconds after) {
        certificate_timer.expires_after(after);
        certificate_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            checkCertificates();
            scheduleCertificateCheck(std::chrono::hours(24));
        });
    }
    void checkCertificates() {
        const int64_t now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        try {
            CertificateExpiry::warn(served, now, home_dir);
            for (const auto& disk : CertificateExpiry::onDisk(home_dir))
                if (disk.name == "server" && disk.fingerprint != served.front().fingerprint)
                    Log::warn("a renewed server certificate (valid until " + calendar.dateOfUnix(disk.not_after_unix) +
                              ") waits in " + (home_dir / "server.pem").string() +
                              "; restart the collector to serve it / 更新したサーバー証明書はコレクターの再起動後に使われます");
        } catch (const std::exception& e) {
            Log::warn(std::string("cannot check the collector's certificates: ") + e.what());
        }
    }

    static LifecycleApi::Settings lifecycleSettings(const CollectorHome& home,
                                                    std::vector<CertificateExpiry::Entry> served) {
        LifecycleApi::Settings s;
        s.home = home.dir();
        s.served = std::move(served);
        // Past the end of the fiscal year its last events belong to, however late in it they came.
        s.evidence_kept = std::chrono::days(366 * (retentionPeriods(home).events_years + 2));
        return s;
    }

    explicit Impl(const CollectorHome& home)
        : store(openStore(home.config().get("store", "sqlite:" + home.file("store.db").string()))),
          calendar(home.config().get("time_zone", "Asia/Tokyo")),
          ca(CertificateAuthority::load(home.dir())),
          ingest(*store, calendar),
          agent_api(*store, ca, mamori::proto::Ed25519Key::fromPrivatePem(common::Files::read(home.file("policy.key"))), ingest,
                    AgentApi::Settings{
                        static_cast<uint32_t>(home.config().getInt("batch_max_events", 500, 1, 10000)), 0,
                        static_cast<uint32_t>(home.config().getInt("sync_interval_seconds", 60, 1, 86400)),
                        home.config().getDuration("client_certificate_lifetime", std::chrono::days(825),
                                                  std::chrono::seconds(10), std::chrono::days(3650))}),
          admin_api(*store, calendar,
                    AdminApi::Settings{ca.certificate().fingerprint(), ca.certificate().pem(),
                                       heartbeatDeadlineSeconds(home)}),
          lifecycle_api(*store, calendar, ca, lifecycleSettings(home, CertificateExpiry::onDisk(home.dir()))),
          // Idle logout after 15 minutes unless the city's rules say otherwise.
          console(*store, admin_api,
                  std::chrono::seconds(home.config().getInt("console_idle_seconds", 15 * 60, 10, 24 * 3600))),
          retention(*store, calendar, retentionPeriods(home)),
          metrics(*store, calendar, heartbeatDeadlineSeconds(home), CertificateExpiry::onDisk(home.dir())),
          agent_tls(serverContext(home, true)),
          admin_tls(adminContext(home)),
          home_dir(home.dir()),
          served(CertificateExpiry::onDisk(home.dir())) {
        if (const std::string url = home.config().get("syslog_url", ""); !url.empty() && url != "off") {
            boost::system::error_code ec;
            syslog = std::make_unique<SyslogForwarder>(url, home.config().get("syslog_hostname", asio::ip::host_name(ec)),
                                                       home.config().get("syslog_ca", ""));
            Log::info("violations and evidence problems are forwarded to syslog at " + url);
        }
        if (const std::string url = home.config().get("smtp_url", ""); !url.empty() && url != "off") {
            auto settings = mailSettings(home);
            // A mistyped section would never be mailed, and nothing would say so. It may also be
            // one that begins later (its first token), so it is said, not refused.
            KnownSections known(*store);
            for (const auto& [section, addresses] : settings.sections) {
                try {
                    known.require(section, "; alert_mail_sections in collector.conf names it, and its mail waits for it",
                                  "。collector.conf の alert_mail_sections にありますが、その所属が登録されるまでメールは送られません");
                } catch (const common::UserError& e) {
                    Log::warn(e.english() + " / " + e.japanese());
                }
            }
            mailer = std::make_unique<AlertMailer>(*store, calendar, std::move(settings));
            Log::info("alert mail through " + url + " every " + home.config().get("alert_interval", "15m"));
        }
        ingest.observe([this](const TerminalRecord& t, const IngestBatch& b) {
            metrics.ingested(b);
            if (syslog) syslog->forward(t.id, t.group, b);
            if (mailer) mailer->record(t, b);
        });
        admin_api.extend([this](const HttpRequest& r, const std::string& path, const AdminUser& u) {
            return lifecycle_api.handle(r, path, u);
        });
        // The monitoring listener first: once the agents' and administrators' ports accept
        // connections, so does /healthz (a supervisor may ask it the moment they do).
        metrics_server = metricsServer(home);
        agent_server = std::make_unique<HttpsServer>(
            io, *agent_tls, ListenAddress::parse(home.config().get("agent_listen", "0.0.0.0:8443"), "agent_listen in collector.conf"),
            [this](const HttpRequest& r, const Caller& c) { return agent_api.handle(r, c); }, agentLimits(home),
            "agent endpoint");
        agent_server->admit([this](const HttpRequestHead& h, const Caller& c, std::size_t& limit) {
            return agent_api.admit(h, c, limit);
        });
        admin_server = std::make_unique<HttpsServer>(
            io, *admin_tls, ListenAddress::parse(home.config().get("admin_listen", "127.0.0.1:8444"), "admin_listen in collector.conf"),
            [this](const HttpRequest& r, const Caller& c) {
                return Console::owns(r.target()) ? console.handle(r, c) : admin_api.handle(r, c);
            },
            limits(home), "admin endpoint");
        admin_server->admit([this](const HttpRequestHead& h, const Caller& c, std::size_t& limit) {
            return Console::owns(h.target()) ? console.admit(h, c, limit) : admin_api.admit(h, c, limit);
        });
        metrics.watch("agent", *agent_server);
        metrics.watch("admin", *admin_server);
    }

    std::string metricsUrl() const {
        const auto at = metrics_endpoint.address();
        const std::string host = at.is_v6() ? "[" + at.to_string() + "]" : at.to_string();
        return "http://" + host + ":" + std::to_string(metrics_server->port()) + "/metrics";
    }

    // The monitoring listener. Named in collector.conf, a port it cannot have stops the start
    // like any other listener's; left to its default (a collector set up before it existed),
    // the collector serves evidence without it and says why.
    std::unique_ptr<MetricsServer> metricsServer(const CollectorHome& home) {
        const auto named = home.config().get("metrics_listen");
        const std::string at = named.value_or("127.0.0.1:9464");
        if (at == "off") return nullptr;
        metrics_endpoint = ListenAddress::parse(at, "metrics_listen in collector.conf");
        try {
            return std::make_unique<MetricsServer>(io, metrics_endpoint, metrics);
        } catch (const boost::system::system_error& e) {
            const std::string en = "metrics_listen: cannot listen on " + at + ": " + e.code().message();
            const std::string ja = "metrics_listen: " + at + " で待ち受けできません（collector.conf で別のポートか off を指定してください）";
            if (named) throw common::UserError::invalid(en + " (set another port, or off, in collector.conf)", ja);
            Log::warn(en + "; /metrics and /healthz are not served (set metrics_listen in collector.conf) / " + ja);
            return nullptr;
        }
    }
};

namespace {

// Before anything reads the certificates on disk (their expiry is watched): a collector made
// before the console gains its browser certificate here.
const CollectorHome& withConsoleCertificate(const CollectorHome& home) {
    ConsoleCertificate::ensure(home.dir());
    return home;
}

}  // namespace

Collector::Collector(const CollectorHome& home) : impl_(std::make_unique<Impl>(withConsoleCertificate(home))) {}
Collector::~Collector() = default;

unsigned short Collector::agentPort() const { return impl_->agent_server->port(); }
unsigned short Collector::adminPort() const { return impl_->admin_server->port(); }

void Collector::stop() {
    asio::post(impl_->io, [this] {
        common::ServiceNotifier::stopping();
        impl_->watchdog.stop();
        impl_->agent_server->stop();
        impl_->admin_server->stop();
        if (impl_->metrics_server) impl_->metrics_server->stop();
        impl_->purge_timer.cancel();
        impl_->certificate_timer.cancel();
        impl_->queue_probe.stop();
        impl_->io.stop();
    });
}

void Collector::waitForSignal() {
    impl_->signals.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig != SIGHUP) {
            Log::info("signal " + std::to_string(sig) + ": stopping");
            stop();
            return;
        }
        // A reload (systemctl reload, a stray kill -HUP) never stops the service. Listeners, keys
        // and the store are taken at start; what SIGHUP does is check the edited file, so that a
        // restart is known to come back up.
        try {
            CollectorHome edited(impl_->home_dir);
            Log::info("SIGHUP: " + (edited.dir() / "collector.conf").string() +
                      " is valid; it takes effect at the next restart");
        } catch (const std::exception& e) {
            Log::error(std::string("SIGHUP: collector.conf has an error, and a restart would fail: ") + e.what());
        }
        waitForSignal();
    });
}

void Collector::run(int threads) {
    // A client gone mid-write is that connection's error, never the collector's end.
    ::signal(SIGPIPE, SIG_IGN);
    waitForSignal();
    // Said before anything is served: an expired server certificate explains every refused agent.
    impl_->checkCertificates();
    impl_->agent_server->start();
    impl_->admin_server->start();
    if (impl_->metrics_server) {
        impl_->metrics_server->start();
        Log::info("monitoring: " + impl_->metricsUrl() + " and /healthz");
    }
    impl_->schedulePurge(std::chrono::minutes(1));
    impl_->scheduleCertificateCheck(std::chrono::hours(24));
    const std::string serving = "serving agents on port " + std::to_string(agentPort()) + ", administrators on port " +
                                std::to_string(adminPort()) + " (time zone " + impl_->calendar.zoneName() + ")";
    Log::info(serving);
    // Both listeners accept from here on: systemd may start what depends on the collector.
    common::ServiceNotifier::ready(serving);
    impl_->watchdog.start();
    impl_->queue_probe.start();
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([this] { impl_->io.run(); });
    impl_->io.run();
    for (auto& t : pool) t.join();
}

}  // namespace mamori::collector
