// Ingest throughput: N enrolled terminals upload signed, chained batches over mutual TLS 1.3 to a
// real collector, which verifies them and stores them in SQLite with the daily compliance table.
// In the same run, the same rows are inserted straight into SQLite; the ratio of the two is what
// the collector's protocol, verification and bookkeeping cost. With --postgresql the same fleet
// and load then go to a collector on a private, durable PostgreSQL server, and the two stores'
// rates are compared.
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <time.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "BenchCollector.h"
#include "BenchOptions.h"
#include "EventMix.h"
#include "LoadTerminal.h"
#include "RawSqliteBaseline.h"
#include "mamori/common/Log.h"
#include "tests/support/PostgresServer.h"

namespace po = boost::program_options;
using namespace mamori::bench;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double processCpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t pgScalar(const std::string& url, const char* sql) {
    PGconn* c = PQconnectdb(url.c_str());
    int64_t v = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult* r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) v = std::stoll(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    PQfinish(c);
    return v;
}

int64_t scalar(const std::filesystem::path& db_file, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* s = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

// Runs fn(i) for i in [0, n) on every core: preparation, not measurement.
template <class Fn>
void parallelFor(size_t n, Fn fn) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t)
        pool.emplace_back([&] {
            for (size_t i; (i = next++) < n;) fn(i);
        });
    for (auto& t : pool) t.join();
}

const char* verdict(bool ok) { return ok ? "met" : "MISSED"; }

struct RunOptions {
    int terminals, batches, batch_size, threads;
    double violation_rate;
};

struct Measured {
    int rc = 0;
    double rate = 0, seconds = 0, collector_cpu = 0, client_cpu = 0;
    uint64_t acked = 0;
    double base = 0, base_before = 0, base_after = 0, base_fast = 0;  // raw SQLite, when asked for
};

// One fleet enrolled with a collector on store_url (empty: SQLite in dir), every terminal
// uploading concurrently, each batch after the last acknowledgement.
Measured measure(const std::filesystem::path& dir, const std::string& store_url, const RunOptions& o, bool baseline) {
    const size_t total = static_cast<size_t>(o.terminals) * o.batches * o.batch_size;
    // Shedding off: every terminal uploads as fast as it can, which a slow machine (or one under
    // a profiler or valgrind) may read as overload and answer with 503s; this measures storing.
    BenchCollector collector(dir, o.threads, store_url, false, "shed_when_overloaded = no\n");

    // Enrollment, as an installer does it: a token from the admin API, then /v1/enroll.
    auto t0 = Clock::now();
    std::vector<std::unique_ptr<LoadTerminal>> fleet;
    for (int i = 0; i < o.terminals; ++i) {
        fleet.push_back(std::make_unique<LoadTerminal>(collector.agentUrl(), collector.caPem()));
        char host[32];
        std::snprintf(host, sizeof host, "pc-%05d", i);
        fleet.back()->enroll(collector.createToken("benchmark"), host);
    }
    std::printf("  enrolled %d terminals in %.2f s (admin API token, CSR, client certificate from the CA)\n",
                o.terminals, since(t0));

    t0 = Clock::now();
    parallelFor(fleet.size(), [&](size_t i) {
        EventMix mix(i + 1, o.violation_rate);
        fleet[i]->prepare(o.batches, o.batch_size, mix);
    });
    size_t bytes = 0;
    for (const auto& t : fleet) bytes += t->bytesToSend();
    std::printf("  signed and chained %zu events in %.2f s before the clock starts (%.0f bytes per event on the wire)\n",
                total, since(t0), static_cast<double>(bytes) / total);

    // The baseline writes the batches in the order the collector receives them: round-robin.
    std::vector<RawSqliteBaseline::Batch> order;
    for (int b = 0; b < o.batches; ++b)
        for (const auto& t : fleet) order.push_back({&t->id(), &t->rows()[b]});
    Measured m;
    const auto baseline_db = dir.parent_path() / "baseline.db";
    RawSqliteBaseline durable(baseline_db, true), fast(baseline_db, false);
    m.base_before = baseline ? durable.run(order) : 0;

    // The measured part: every terminal uploads concurrently, each batch after the last ack.
    boost::asio::io_context io;
    std::exception_ptr failure;
    for (auto& t : fleet)
        boost::asio::co_spawn(io, t->upload(io.get_executor()), [&](std::exception_ptr e) {
            if (e && !failure) failure = e;
        });
    double cpu0 = processCpuSeconds(), client_cpu0 = threadCpuSeconds();
    t0 = Clock::now();
    io.run();
    double seconds = since(t0);
    double client_cpu = threadCpuSeconds() - client_cpu0;
    double collector_cpu = processCpuSeconds() - cpu0 - client_cpu;
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "upload failed: %s\n", e.what());
            m.rc = 1;
            return m;
        }
    }
    uint64_t acked = 0;
    for (const auto& t : fleet) acked += t->stored();
    double rate = static_cast<double>(acked) / seconds;

    m.base_after = baseline ? durable.run(order) : 0;
    m.base_fast = baseline ? fast.run(order) : 0;
    m.base = std::max(m.base_before, m.base_after);
    m.rate = rate;
    m.seconds = seconds;
    m.acked = acked;
    m.collector_cpu = collector_cpu;
    m.client_cpu = client_cpu;

    // Every event stored once and counted once in the daily compliance table.
    const char* kStored = "SELECT count(*) FROM events";
    const char* kCounted = "SELECT sum(events) FROM daily_compliance";
    const auto file = dir / "store.db";
    const int64_t stored = store_url.empty() ? scalar(file, kStored) : pgScalar(store_url, kStored);
    const int64_t counted = store_url.empty() ? scalar(file, kCounted) : pgScalar(store_url, kCounted);
    if (stored != static_cast<int64_t>(total) || counted != static_cast<int64_t>(total)) {
        std::fprintf(stderr, "store holds %lld events and counts %lld, expected %zu\n", static_cast<long long>(stored),
             static_cast<long long>(counted), total);
        m.rc = 1;
    }
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    int terminals = 50, batches = 20, batch_size = 500, threads = 2;
    double violation_rate = 0.001;
    std::string dir_arg;
    bool keep = false, baseline = true, postgresql = false;
    po::options_description opts("ingest_bench: collector ingest over mutual TLS vs raw SQLite inserts");
    opts.add_options()("help,h", "show this help")
        ("terminals", po::value(&terminals), "simulated terminals, each enrolled for real (default 50)")
        ("batches", po::value(&batches), "batches each terminal uploads (default 20)")
        ("batch-size", po::value(&batch_size), "events per batch (default 500, the collector's batch_max_events)")
        ("threads", po::value(&threads), "collector worker threads (default 2, as mamori-collector run)")
        ("violation-rate", po::value(&violation_rate), "share of events that are violations (default 0.001)")
        ("dir", po::value(&dir_arg), "work directory on the file system to measure (default: a new one in $TMPDIR)")
        ("keep", po::bool_switch(&keep), "keep the collector's state directory afterwards")
        ("postgresql", po::bool_switch(&postgresql),
         "then the same load into a collector on a private, durable PostgreSQL 15 server, compared")
        ("no-baseline", po::bool_switch()->notifier([&](bool off) { baseline = !off; }),
         "skip the raw SQLite baseline (to profile the collector alone)");
    po::variables_map vm;
    if (int rc = parseCommandLine(opts, argc, argv, vm); rc >= 0) return rc;
    mamori::Log::setLevel(mamori::Log::Level::Warn);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it happens, also through a pipe

    std::filesystem::path work = dir_arg.empty() ? std::filesystem::temp_directory_path() /
                                                       ("mamori-ingest-bench-" + std::to_string(getpid()))
                                                 : std::filesystem::path(dir_arg);
    // An earlier run's collector would be counted with this one's events.
    for (const char* sub : {"collector", "collector-pg"})
        if (std::filesystem::exists(work / sub)) {
            std::fprintf(stderr, "ingest_bench: %s already holds a run (%s); give an empty directory\n", work.c_str(), sub);
            return 2;
        }
    std::filesystem::create_directories(work);
    const size_t total = static_cast<size_t>(terminals) * batches * batch_size;
    std::printf("ingest benchmark: %d terminals x %d batches x %d events = %zu events, collector threads %d\n",
                terminals, batches, batch_size, total, threads);
    std::printf("  work directory %s\n", work.c_str());

    int rc = 0;
    const RunOptions opts_run{terminals, batches, batch_size, threads, violation_rate};
    try {
            Measured sqlite = measure(work / "collector", "", opts_run, baseline);
            rc = sqlite.rc;
            const double base = sqlite.base, base_fast = sqlite.base_fast, base_before = sqlite.base_before,
                         base_after = sqlite.base_after, rate = sqlite.rate, seconds = sqlite.seconds;
            const uint64_t acked = sqlite.acked;
            const double collector_cpu = sqlite.collector_cpu, client_cpu = sqlite.client_cpu;
            std::printf("\n");
            if (baseline) {
                std::printf("  raw SQLite, durable (WAL, synchronous=FULL)      %10.0f events/s  (best of %.0f and %.0f)\n",
                            base, base_before, base_after);
                std::printf("  raw SQLite, no flush (WAL, synchronous=OFF)      %10.0f events/s\n", base_fast);
            }
            std::printf("  collector, mutual TLS 1.3 -> verify -> SQLite    %10.0f events/s  (%llu events in %.2f s, "
                        "all stored and counted: %s)\n",
                        rate, static_cast<unsigned long long>(acked), seconds, rc == 0 ? "yes" : "NO");
            std::printf("    CPU per event: collector %.1f us, load generator %.1f us (%.0f%% of %u cores busy)\n",
                        collector_cpu / acked * 1e6, client_cpu / acked * 1e6,
                        100 * (collector_cpu + client_cpu) / seconds / std::thread::hardware_concurrency(),
                        std::thread::hardware_concurrency());
            std::printf("\n");
            std::printf("  events/s                               %10.0f   target >= 50000   %s\n", rate,
                        verdict(rate >= 50000));
            if (baseline) {
                std::printf("  ratio collector / raw SQLite durable   %10.2f   target >= 0.80    %s\n", rate / base,
                            verdict(rate / base >= 0.8));
                std::printf("  ratio collector / raw SQLite no flush  %10.2f   (for reference)\n", rate / base_fast);
            }
            if (postgresql) {
                std::printf("\n  the same fleet and load into PostgreSQL (a private server, fsync and synchronous commit on)\n");
                auto server = mamori::test::PostgresServer::start(true);
                Measured pg = measure(work / "collector-pg", server->createDatabase(), opts_run, false);
                rc = rc ? rc : pg.rc;
                std::printf("  collector, mutual TLS 1.3 -> verify -> PostgreSQL %9.0f events/s  (%llu events in %.2f s, "
                            "all stored and counted: %s)\n",
                            pg.rate, static_cast<unsigned long long>(pg.acked), pg.seconds, pg.rc == 0 ? "yes" : "NO");
                std::printf("  ratio PostgreSQL / SQLite              %10.2f\n", pg.rate / rate);
                std::printf("  PostgreSQL events/s                    %10.0f   target >= 150000  %s\n", pg.rate,
                            verdict(pg.rate >= 150000));
            }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ingest_bench: %s\n", e.what());
        rc = 1;
    }
    if (!keep && dir_arg.empty()) std::filesystem::remove_all(work);
    return rc;
}
