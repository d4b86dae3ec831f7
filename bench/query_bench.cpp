// `violations --today` latency with a municipality's history in the store: by default 10,000
// terminals x 30 days x 100 events a day (30 M events), written through Store::ingest exactly as
// the ingest path writes them (with the daily compliance table in the same transactions).
// Measured three ways: DailyCompliance in-process, the admin API over one kept-alive HTTPS
// connection, and a whole `mamorictl violations` process (start, TLS handshake, query, print);
// then `report monthly` of the month holding most of the history over the admin API.
// --postgresql: the same history in a private PostgreSQL server; --store: in one of yours.
#include <date/tz.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "BenchCollector.h"
#include "BenchOptions.h"
#include "EventMix.h"
#include "LatencyStats.h"
#include "collector/CertificateAuthority.h"
#include "collector/StandingCondition.h"
#include "collector/DailyCompliance.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/EnrollmentToken.h"
#include "mamori/proto/EventChain.h"
#include "mamori/proto/Sha256.h"
#include "mamori/common/Log.h"
#include "tests/support/PostgresServer.h"

extern char** environ;

namespace po = boost::program_options;
using namespace mamori::bench;
using namespace mamori::collector;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Sections (所属) of a mid-sized city hall: the groups section managers filter by.
const std::vector<std::string> kSections = {
    "総務課", "企画課", "財政課", "税務課", "住民課", "保険年金課", "福祉課", "子育て支援課", "健康推進課", "環境課",
    "産業振興課", "農林課", "建設課", "都市計画課", "上下水道課", "会計課", "議会事務局", "教育総務課", "学校教育課",
    "生涯学習課"};

// One local date of history and the UTC window its events fall in (office hours, or up to now
// for today).
struct Day {
    std::string date;
    int64_t from_ns, to_ns;
};

std::vector<Day> plan(const std::string& zone_name, int days, int64_t now_ns) {
    using namespace std::chrono;
    const date::time_zone* zone = date::locate_zone(zone_name);
    auto now = sys_seconds(seconds(now_ns / 1'000'000'000));
    auto today = date::floor<date::days>(zone->to_local(now));
    auto utc = [&](date::local_seconds t) {
        return duration_cast<nanoseconds>(zone->to_sys(t, date::choose::earliest).time_since_epoch()).count();
    };
    std::vector<Day> out;
    for (int k = days - 1; k >= 0; --k) {
        auto d = today - date::days(k);
        Day day{date::format("%F", d), utc(d + hours(8)), utc(d + hours(18))};
        if (k == 0) {
            day.to_ns = std::min(day.to_ns, now_ns);
            if (day.to_ns <= day.from_ns) day.from_ns = utc(d), day.to_ns = now_ns;
        }
        out.push_back(day);
    }
    return out;
}

template <class Fn>
void parallelFor(size_t n, unsigned threads, Fn fn) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            for (size_t i; (i = next++) < n;) fn(i);
        });
    for (auto& t : pool) t.join();
}

std::string terminalId(int i) {
    char id[32];
    std::snprintf(id, sizeof id, "pc-%05d", i);
    return id;
}

struct Params {
    int terminals = 10000, days = 30, events_per_day = 100;
    double violation_rate = 0.0005;
    double standing_rate = 0.05;  // terminals holding a standing violation (a package still installed)
    std::string describe() const {
        std::ostringstream s;
        s << "terminals=" << terminals << " days=" << days << " events_per_day=" << events_per_day
          << " violation_rate=" << violation_rate << " standing_rate=" << standing_rate;
        return s.str();
    }
};

// Enrolls the fleet as the collector's CA would (real key, CSR and certificate per terminal) and
// writes its history. Every 100th terminal fell silent three days ago: "not reporting" today.
void generate(const std::filesystem::path& dir, const Params& p, unsigned threads) {
    CollectorHome home(dir);
    auto store = openStore(home.config().get("store", "sqlite:" + (dir / "store.db").string()));
    auto ca = CertificateAuthority::load(dir);
    const int64_t now_ns = nowNs(), now_unix = now_ns / 1'000'000'000;
    const auto days = plan(home.config().get("time_zone", "Asia/Tokyo"), p.days, now_ns);

    auto t0 = Clock::now();
    std::vector<std::string> keys(p.terminals);
    parallelFor(p.terminals, threads, [&](size_t i) {
        auto key = mamori::proto::Ed25519Key::generate();
        auto csr = mamori::proto::CertificateRequest::parse(mamori::proto::CertificateRequest::create(key, terminalId(i)));
        TerminalRecord t;
        t.id = terminalId(i);
        t.hostname = t.id;
        t.group = kSections[i % kSections.size()];
        t.certificate_pem = ca.issueClient(csr, t.id, std::chrono::days(825));
        t.public_key = key.publicRaw();
        t.enrolled_unix = days.front().from_ns / 1'000'000'000 - 86400;
        t.last_seen_unix = t.enrolled_unix;
        store->addTerminal(t);
    });
    std::printf("  enrolled %d terminals in %.1f s (key, CSR, client certificate each)\n", p.terminals, since(t0));

    t0 = Clock::now();
    std::atomic<uint64_t> written{0}, done_terminals{0};
    std::mutex print;
    const uint64_t silent_terminals = p.terminals / 100, silent_days = std::min(p.days, 3);
    const uint64_t total = (static_cast<uint64_t>(p.terminals) * p.days - silent_terminals * silent_days) *
                           static_cast<uint64_t>(p.events_per_day);
    // The signature's bytes are stored, never read by a report: a placeholder of the real size
    // spares 30 M Ed25519 signatures. The hash chain is real.
    const std::string signature(64, '\x5a');
    parallelFor(p.terminals, threads, [&](size_t i) {
        const std::string id = terminalId(i);
        const bool silent = i % 100 == 99;
        // Standing: an unapproved package installed on some day of the history and never removed,
        // so every later day shows the terminal without a new event.
        const size_t standing_every = p.standing_rate > 0 ? static_cast<size_t>(1 / p.standing_rate) : 0;
        const bool standing = standing_every && i % standing_every == 3;
        const size_t installed_on = i % days.size();
        EventMix mix(i + 1, p.violation_rate);
        std::mt19937_64 rng(i * 7919 + 1);
        mamori::proto::ChainHead head;
        IngestBatch batch;
        batch.terminal_id = id;
        int64_t last_ns = 0;
        auto flush = [&] {
            if (batch.events.empty()) return;
            batch.new_head_seq = head.seq;
            batch.new_head_hash = head.hash;
            batch.now_unix = silent ? last_ns / 1'000'000'000 : now_unix;
            store->ingest(batch);
            written += batch.events.size();
            batch.events.clear();
        };
        for (size_t d = 0; d < days.size(); ++d) {
            if (silent && d + 3 >= days.size()) break;
            const Day& day = days[d];
            std::uniform_int_distribution<int64_t> when(day.from_ns, std::max(day.from_ns, day.to_ns - 1));
            std::vector<int64_t> times(p.events_per_day);
            for (auto& t : times) t = when(rng);
            std::sort(times.begin(), times.end());
            for (int64_t t : times) {
                auto body = mix.next(id, t);
                if (standing && d == installed_on && t == times.front()) {
                    body.set_type(mamori::v1::SOFTWARE_UNAPPROVED_INSTALLED);
                    body.set_control(mamori::v1::SOFTWARE);
                    body.set_violation(true);
                    body.set_outcome(mamori::v1::REPORTED);
                    body.mutable_software()->set_package("p2p-share");
                    body.mutable_software()->set_version("1.0");
                }
                body.set_seq(head.seq + 1);
                IngestEvent e;
                e.seq = head.seq + 1;
                e.utc_ns = t;
                e.local_date = day.date;
                e.type = body.type();
                e.control = body.control();
                e.violation = body.violation();
                e.outcome = body.outcome();
                e.rule_id = body.rule_id();
                e.body = body.SerializeAsString();
                e.prev_hash = head.hash;
                e.hash = mamori::proto::EventChain::linkHash(head.hash, e.body);
                e.signature = signature;
                e.condition = StandingCondition::of(body);
                head.seq = e.seq;
                head.hash = e.hash;
                last_ns = t;
                batch.events.push_back(std::move(e));
                if (batch.events.size() == 500) flush();
            }
        }
        flush();
        uint64_t n = ++done_terminals;
        if (n % std::max(1, p.terminals / 10) == 0) {
            std::lock_guard lock(print);
            std::printf("    %3.0f%%  %llu events, %.0f events/s\n", 100.0 * n / p.terminals,
                        static_cast<unsigned long long>(written.load()), written / since(t0));
            std::fflush(stdout);
        }
    });
    std::printf("  wrote %llu events through Store::ingest in %.0f s (%.0f events/s)\n",
                static_cast<unsigned long long>(written.load()), since(t0), written / since(t0));
    if (written != total) {
        std::fprintf(stderr, "expected %llu events\n", static_cast<unsigned long long>(total));
        std::exit(1);
    }
    std::ofstream(dir / "history.txt") << p.describe() << "\n" << days.back().date << "\n" << written.load() << "\n";
}

// GETs target `queries` times (after three unmeasured ones) on one kept-alive HTTPS connection,
// as mamorictl would if it stayed connected; checks the rows against the in-process answer.
// A function, not a lambda: a coroutine must not outlive the captures of a temporary lambda.
boost::asio::awaitable<void> askRepeatedly(boost::asio::any_io_executor ex, std::string ca_pem, std::string url,
                                           mamori::common::HttpsClient::Headers headers, std::string target,
                                           int queries, std::optional<size_t> rows, LatencyStats* stats) {
    auto tls = mamori::common::HttpsClient::context(ca_pem);
    mamori::common::HttpsClient client(ex, *tls, url, std::chrono::seconds(60));
    for (int q = 0; q < queries + 3; ++q) {
        auto t0 = Clock::now();
        auto res = co_await client.request(boost::beast::http::verb::get, target, std::string(), std::string(), headers);
        if (q >= 3) stats->add(msSince(t0));
        if (res.status != 200) throw std::runtime_error("HTTP " + std::to_string(res.status) + " " + res.body);
        if (q == 0 && rows) {
            size_t n = boost::json::parse(res.body).at("rows").as_array().size();
            if (n != *rows)
                throw std::runtime_error("the admin API returned " + std::to_string(n) + " rows, DailyCompliance " +
                                         std::to_string(*rows));
        }
    }
}

// queries+3 GETs of target on one kept-alive admin connection (the first 3 unmeasured), as the
// first administrator (its token, or `headers`, a console session's cookie); throws what the
// collector answered if it was not 200.
LatencyStats timeAdminQueries(const BenchCollector& collector, const std::string& target, int queries,
                              std::optional<size_t> rows, mamori::common::HttpsClient::Headers headers = {}) {
    LatencyStats stats;
    boost::asio::io_context io;
    std::exception_ptr failure;
    if (headers.empty()) headers = {{"Authorization", "Bearer " + collector.adminToken()}};
    boost::asio::co_spawn(io,
                          askRepeatedly(io.get_executor(), collector.caPem(), collector.adminUrl(), headers, target,
                                        queries, rows, &stats),
                          [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return stats;
}

// The month (YYYY-MM) holding the middle day of a history of `days` days ending on last_date.
std::string fullestMonth(const std::string& last_date, int days) {
    std::istringstream in(last_date);
    date::sys_days last;
    in >> date::parse("%F", last);
    if (in.fail()) throw std::runtime_error("bad date in history.txt: " + last_date);
    return date::format("%Y-%m", last - date::days(days / 2));
}

// Runs a program to completion with its output discarded; returns its exit status.
int runQuietly(const std::vector<std::string>& argv) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main(int argc, char** argv) {
    Params p;
    int queries = 200, threads = 2;
    std::string dir_arg, mamorictl = std::string(MAMORI_BINARY_DIR) + "/collector/mamorictl";
    std::string store_arg;
    bool keep = false, postgresql = false, browser = false;
    po::options_description opts("query_bench: violations --today and report monthly latency over a fleet's history");
    opts.add_options()("help,h", "show this help")
        ("terminals", po::value(&p.terminals), "enrolled terminals (default 10000)")
        ("days", po::value(&p.days), "days of history, today included (default 30)")
        ("events-per-day", po::value(&p.events_per_day), "events per terminal per day (default 100: 30 M events)")
        ("violation-rate", po::value(&p.violation_rate), "share of events that are violations (default 0.0005)")
        ("standing-rate", po::value(&p.standing_rate),
         "share of terminals with a standing violation (default 0.05)")
        ("queries", po::value(&queries), "queries per measurement (default 200)")
        ("threads", po::value(&threads), "collector worker threads and history writers (default 2)")
        ("dir", po::value(&dir_arg),
         "collector state directory; a history already generated there with the same parameters is reused "
         "(default: a new one in $TMPDIR, removed afterwards)")
        ("keep", po::bool_switch(&keep), "keep the default directory afterwards")
        ("postgresql", po::bool_switch(&postgresql),
         "keep the history in a private PostgreSQL 15 server instead of the SQLite file")
        ("store", po::value(&store_arg),
         "keep the history in this PostgreSQL database (postgresql://...) instead; with --dir, a history "
         "generated there earlier is queried again")
        ("mamorictl", po::value(&mamorictl), "the mamorictl binary (default: the one of this build)")
        ("browser", po::bool_switch(&browser),
         "also the today page's first contentful paint in headless Chromium (bench/console_paint.py)");
    po::variables_map vm;
    if (int rc = parseCommandLine(opts, argc, argv, vm); rc >= 0) return rc;
    mamori::Log::setLevel(mamori::Log::Level::Warn);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it happens, also through a pipe
    const std::filesystem::path dir = dir_arg.empty() ? std::filesystem::temp_directory_path() /
                                                            ("mamori-query-bench-" + std::to_string(getpid()))
                                                      : std::filesystem::path(dir_arg);
    std::printf("query benchmark: %s\n  state directory %s\n", p.describe().c_str(), dir.c_str());

    int rc = 0;
    try {
            std::unique_ptr<mamori::test::PostgresServer> server;
            std::string store_url = store_arg;
            if (!store_arg.empty()) {
                postgresql = true;
            } else if (postgresql && !std::filesystem::exists(dir / "collector.conf")) {
                // Sized as a collector's server would be on a machine like this one (a quarter of
                // its memory for buffers), with checkpoints spaced out so the load of 30 M events
                // is not dominated by them; fsync stays off, as the load is not what is measured.
                server = mamori::test::PostgresServer::start(
                    false, "-c shared_buffers=4GB -c max_wal_size=16GB -c checkpoint_timeout=1h");
                store_url = server->createDatabase();
            } else if (postgresql) {
                throw std::runtime_error("--postgresql makes a new history: leave out --dir or name a new one");
            }
            BenchCollector collector(dir, threads, store_url);
            std::string marker_params, last_date;
            uint64_t events = 0;
            {
                std::ifstream marker(dir / "history.txt");
                std::getline(marker, marker_params);
                std::getline(marker, last_date);
                marker >> events;
            }
            if (marker_params != p.describe()) {
                if (!marker_params.empty()) {
                    std::fprintf(stderr, "%s holds another history (%s); use another --dir\n", dir.c_str(),
                                 marker_params.c_str());
                    return 2;
                }
                generate(dir, p, static_cast<unsigned>(threads));
                std::ifstream marker(dir / "history.txt");
                std::getline(marker, marker_params);
                std::getline(marker, last_date);
                marker >> events;
            } else {
                std::printf("  reusing the history generated earlier (newest date %s)\n", last_date.c_str());
            }
            if (postgresql) {
                std::printf("  store: %llu events in PostgreSQL\n", static_cast<unsigned long long>(events));
            } else {
                auto db_bytes = std::filesystem::file_size(dir / "store.db");
                std::printf("  store: %llu events, %.2f GB on disk\n", static_cast<unsigned long long>(events),
                            db_bytes / 1e9);
            }

            const auto& conf = collector.home().config();
            LocalCalendar calendar(conf.get("time_zone", "Asia/Tokyo"));
            const int64_t deadline_s = conf.getInt("heartbeat_deadline_minutes", 120, 1, 525600) * 60;
            const bool today = last_date == calendar.dateOfUnix(nowNs() / 1'000'000'000);
            if (!today)
                std::printf("  note: the history ends on %s, not today; querying that date (no 'not reporting' rows)\n",
                            last_date.c_str());
            const std::string target = "/admin/v1/violations?date=" + (today ? std::string("today") : last_date);

            // 1. DailyCompliance in this process, on its own store connection.
            auto store = openStore(conf.get("store", "sqlite:" + (dir / "store.db").string()));
            DailyCompliance daily(*store, calendar, deadline_s);
            size_t rows = 0, not_reporting = 0, standing = 0;
            LatencyStats direct;
            auto first = Clock::now();
            for (int q = 0; q < queries + 3; ++q) {
                auto t0 = Clock::now();
                auto result = daily.violations(last_date, nowNs() / 1'000'000'000, "", "");
                if (q >= 3) direct.add(msSince(t0));
                rows = result.size();
                not_reporting = std::count_if(result.begin(), result.end(),
                                              [](const DailyCompliance::Row& r) { return r.control == "reporting"; });
                standing = std::count_if(result.begin(), result.end(),
                                         [](const DailyCompliance::Row& r) { return r.status == "standing"; });
                if (q == 0) std::printf("  first query after opening: %.2f ms\n", msSince(first));
            }
            std::printf("  %s: %zu rows (%zu violations or exemptions, %zu of them standing; %zu terminals silent)\n",
                        last_date.c_str(), rows, rows - not_reporting, standing, not_reporting);

            // 2. The admin API as mamorictl calls it, on one kept-alive connection.
            const LatencyStats api = timeAdminQueries(collector, target, queries, rows);

            // 3. The monthly report (月次点検) of the same month, from the same store.
            // The month with the most days of history: early in a month, the one before it.
            const std::string month_target = "/admin/v1/report/monthly?month=" + fullestMonth(last_date, p.days);
            const LatencyStats monthly = timeAdminQueries(collector, month_target, std::max(queries / 4, 10), std::nullopt);

            // 4. The console's page of the same day, as a signed-in browser asks for it: the same
            // answer rendered as HTML (the session is made in the store, as a sign-in makes it).
            const std::string cookie = mamori::proto::EnrollmentToken::generate("").secret;
            store->addConsoleSession({mamori::proto::Sha256::hex(mamori::proto::Sha256::of(cookie)), "admin", "bench",
                                      nowNs() / 1'000'000'000, nowNs() / 1'000'000'000});
            const std::string page_target = "/console/today?date=" + last_date;
            const LatencyStats page =
                timeAdminQueries(collector, page_target, queries, std::nullopt, {{"Cookie", "mamori_session=" + cookie}});

            // 5. What an administrator waits for: a whole mamorictl process.
            LatencyStats cli;
            std::vector<std::string> args = {mamorictl, "--config", (dir / "mamorictl.conf").string(), "violations"};
            if (today) args.push_back("--today");
            else args.insert(args.end(), {"--date", last_date});
            args.insert(args.end(), {"--format", "json"});
            for (int q = 0; q < queries + 3; ++q) {
                auto t0 = Clock::now();
                int status = runQuietly(args);
                if (q >= 3) cli.add(msSince(t0));
                if (status != 0) {
                    std::fprintf(stderr, "mamorictl exited with %d\n", status);
                    return 1;
                }
            }

            std::printf("\n");
            std::printf("  DailyCompliance::violations (in process)    %s\n", direct.summary().c_str());
            std::printf("  GET %s (kept-alive HTTPS)  %s\n", target.c_str(), api.summary().c_str());
            std::printf("  mamorictl violations (whole process)        %s\n", cli.summary().c_str());
            std::printf("  GET %s (kept-alive HTTPS)  %s\n", month_target.c_str(), monthly.summary().c_str());
            std::printf("  GET %s (console, kept-alive)  %s\n", page_target.c_str(), page.summary().c_str());
            std::printf("\n  p99 of today's view in process %.2f ms   target <= 20 ms   %s\n", direct.percentile(99),
                        direct.percentile(99) <= 20 ? "met" : "MISSED");
            std::printf("  p99 of the admin API %.2f ms   target <= 50 ms   %s\n", api.percentile(99),
                        api.percentile(99) <= 50 ? "met" : "MISSED");
            std::printf("  p99 of report monthly %.2f ms   target <= 300 ms   %s\n", monthly.percentile(99),
                        monthly.percentile(99) <= 300 ? "met" : "MISSED");
            std::printf("  p99 of mamorictl     %.2f ms   (process start and TLS handshake included)\n",
                        cli.percentile(99));
            std::printf("  p99 of the console's today page %.2f ms = %.2fx the admin API   target <= 50 ms   %s\n",
                        page.percentile(99), page.percentile(99) / api.percentile(99),
                        page.percentile(99) <= 50 ? "met" : "MISSED");
            if (browser) {
                // First contentful paint in headless Chromium, against the sign-in page's.
                const std::string paint = (std::filesystem::path(MAMORI_SOURCE_DIR) / "bench/console_paint.py").string();
                std::string out;
                const std::string command = "/usr/bin/python3 " + paint + " --url " + collector.adminUrl() +
                                            " --session " + cookie + " --path '" + page_target + "'";
                FILE* pipe = ::popen(command.c_str(), "r");
                char buf[4096];
                while (pipe && std::fgets(buf, sizeof buf, pipe)) out += buf;
                if (!pipe || ::pclose(pipe) != 0) throw std::runtime_error("console_paint.py failed: " + out);
                const auto fcp = boost::json::parse(out);
                const double page_p99 = fcp.at("page").at("p99").to_number<double>(),
                             base_p99 = fcp.at("baseline").at("p99").to_number<double>();
                std::printf("  first contentful paint of the today page p50 %.0f ms p99 %.0f ms; sign-in page p99 %.0f ms; "
                            "ratio %.2fx   target <= 500 ms   %s\n",
                            fcp.at("page").at("p50").to_number<double>(), page_p99, base_p99, page_p99 / base_p99,
                            page_p99 <= 500 ? "met" : "MISSED");
            }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "query_bench: %s\n", e.what());
        rc = 1;
    }
    if (!keep && dir_arg.empty()) std::filesystem::remove_all(dir);
    return rc;
}
