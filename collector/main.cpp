// mamori-collector: keeps the terminals' evidence and answers for it.
#include <google/protobuf/stubs/logging.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "collector/Collector.h"
#include "collector/CollectorBackup.h"
#include "collector/CollectorHome.h"
#include "collector/ReportTable.h"
#include "collector/Store.h"
#include "collector/StoreMigration.h"
#include "mamori/common/CommandLine.h"
#include "mamori/common/Files.h"
#include "mamori/common/Log.h"
#include "mamori/proto/Certificate.h"

using namespace mamori::collector;
using mamori::common::CommandLine;

namespace {
// "2028-04-01 09:30 UTC": the collector's directory may not hold its time zone's store yet.
std::string isoUtc(int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%d %H:%M UTC", &tm);
    return out;
}
}  // namespace

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
    init_cmd->add_option("--metrics-listen", init.metrics_listen,
                         "plain-HTTP /metrics and /healthz for monitoring (default 127.0.0.1:9464; off for none)")
        ->type_name("HOST:PORT");
    init_cmd->add_option("--name", init.server_names,
                         "a DNS name or IP agents use to reach this collector (repeatable; default: this host's name; "
                         "localhost, 127.0.0.1 and ::1 are always added for mamorictl on this machine)")
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
    std::string log_level;
    CLI::App* run = cli.command(app, "run", "serve agents and administrators until SIGTERM",
                                "  mamori-collector run --dir /var/lib/mamori-collector\n"
                                "  mamori-collector run --dir /var/lib/mamori-collector --log-level debug", [&] {
                                    CollectorHome home(dir);
                                    mamori::Log::setLevel(log_level.empty() ? home.logLevel()
                                                                            : *mamori::Log::levelNamed(log_level));
                                    Collector collector(home);
                                    collector.run(threads);
                                    return 0;
                                });
    run->add_option("--threads", threads, "worker threads (default 2)")->type_name("N")->check(CLI::Range(1, 256));
    run->add_option("--log-level", log_level, "debug, info, warning or error (overrides log_level in collector.conf)")
        ->type_name("LEVEL")
        ->check(CLI::IsMember(std::vector<std::string>(mamori::Log::kLevelNames.begin(), mamori::Log::kLevelNames.end())));

    int renew_days = static_cast<int>(CollectorHome::kServerCertificateValidity.count());
    std::vector<std::string> renew_names;
    CLI::App* renew = cli.command(
        app, "renew-cert",
        "renew the collector's TLS server certificate under the same CA, with a new key (agents keep trusting it: they "
        "pin the CA); served after a restart",
        "  mamori-collector renew-cert --dir /var/lib/mamori-collector && systemctl restart mamori-collector\n"
        "  mamori-collector renew-cert --dir /var/lib/mamori-collector --name collector.city.local --name 10.0.0.5",
        [&] {
            CollectorHome home(dir);
            const auto before = mamori::proto::Certificate::fromPem(mamori::common::Files::read(home.file("server.pem")));
            const auto after = mamori::proto::Certificate::fromPem(
                home.renewServerCertificate(std::chrono::days(renew_days), renew_names));
            std::string names;
            for (const auto& n : after.subjectAltNames()) names += (names.empty() ? "" : ", ") + n;
            std::cout << "server certificate renewed in " << home.file("server.pem").string() << " (new key in "
                      << home.file("server.key").string() << ", mode 0600)\n"
                      << "  names:       " << names << "\n"
                      << "  valid until: " << isoUtc(after.notAfterUnix()) << " (the old one: "
                      << isoUtc(before.notAfterUnix()) << ")\n"
                      << "  restart the collector to serve it: systemctl restart mamori-collector\n"
                      << "サーバー証明書を更新しました。コレクターを再起動すると使われます。\n";
            return 0;
        });
    renew->add_option("--days", renew_days, "how long the new certificate is valid (default 825)")
        ->type_name("N")
        ->check(CLI::Range(1, 3650));
    renew->add_option("--name", renew_names,
                      "a DNS name or IP agents use to reach this collector (repeatable; default: the names of the "
                      "current certificate; localhost, 127.0.0.1 and ::1 are always added)")
        ->type_name("NAME")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

    std::string backup_to, restore_from, passphrase_file;
    CLI::App* backup = cli.command(
        app, "backup",
        "copy the store (online: agents go on uploading) and the keys, sealed under a passphrase, into a new "
        "directory",
        "  mamori-collector backup --dir /var/lib/mamori-collector --to /srv/backup/mamori-$(date +%F)\n"
        "  mamori-collector backup --to /srv/backup/today --passphrase-file /root/.mamori-backup-passphrase",
        [&] {
            CollectorHome home(dir);
            const std::string phrase = CollectorBackup::passphrase(passphrase_file, true);
            CollectorBackup::backup(home, backup_to, phrase, std::cout);
            std::cout << "keep the passphrase apart from the backup: without it the keys cannot be restored\n"
                      << "パスフレーズはバックアップとは別に保管してください。\n";
            return 0;
        });
    cli.required(backup->add_option("--to", backup_to, "a new or empty directory")->type_name("DIR"),
                 "where to back up (--to)", "バックアップ先（--to）が指定されていません");
    backup->add_option("--passphrase-file", passphrase_file,
                       "read the passphrase (12 bytes or more) from the first line of FILE instead of asking")
        ->type_name("FILE");
    CLI::App* restore = cli.command(
        app, "restore", "make a collector in --dir from a backup: the store, the keys and the configuration",
        "  mamori-collector restore --from /srv/backup/mamori-2026-12-01 --dir /var/lib/mamori-collector",
        [&] {
            const std::string phrase = CollectorBackup::passphrase(passphrase_file, false);
            CollectorBackup::restore(restore_from, dir, phrase, std::cout);
            return 0;
        });
    cli.required(restore->add_option("--from", restore_from, "the backup's directory")->type_name("DIR"),
                 "the backup (--from)", "バックアップ（--from）が指定されていません");
    restore->add_option("--passphrase-file", passphrase_file, "read the passphrase from the first line of FILE")
        ->type_name("FILE");

    // Here rather than in mamorictl: it opens the stores themselves, on the collector's machine,
    // and keeps PostgreSQL's client library (and its twenty) out of the administrators' command.
    std::string migrate_from, migrate_to;
    CLI::App* migrate = cli.command(
        app, "migrate",
        "copy a whole store into an empty one, checking the rows of every table; stop the collector first",
        "  mamori-collector migrate --from sqlite:/var/lib/mamori-collector/store.db \\\n"
        "      --to postgresql://mamori@db.city.local/mamori",
        [&] {
            if (migrate_from == migrate_to)
                throw CLI::ValidationError("--to", "--from and --to name the same store / 移行元と移行先が同じです");
            auto source = openStore(migrate_from);
            auto destination = openStore(migrate_to);
            const auto counts = StoreMigration::run(*source, *destination, [](const std::string& table) {
                std::cerr << "copying " << table << "\n";
            });
            ReportTable t({"table", "rows in source", "rows copied"});
            for (const auto& c : counts) t.add({c.table, std::to_string(c.source), std::to_string(c.copied)});
            std::cout << t.table()
                      << "every table copied and its rows counted; point `store` in collector.conf at the new store "
                         "and start the collector\n全テーブルを移行し件数を確認しました。collector.conf の store を"
                         "移行先に変更してコレクターを起動してください。\n";
            return 0;
        });
    cli.required(migrate->add_option("--from", migrate_from, "the store to copy: sqlite:PATH or postgresql://...")
                     ->type_name("STORE"),
                 "the store to copy", "移行元（--from）が指定されていません");
    cli.required(migrate->add_option("--to", migrate_to, "the empty store to copy into")->type_name("STORE"),
                 "the store to copy into", "移行先（--to）が指定されていません");

    return cli.run(argc, argv);
}
