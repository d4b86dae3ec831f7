// Sync at fleet scale: N enrolled terminals each sync once a minute with one collector (the real
// mamori-collector binary in its own process), spread evenly over the minute as a fleet's clocks
// spread them. The fleet runs installer/profiles/mynumber.yaml, pushed before the first round,
// which therefore delivers it to every terminal. Every sync is a new mutual-TLS 1.3 connection
// (no pooling: a terminal that syncs once a minute finds its previous connection closed by the
// collector's idle timeout), so each figure includes the handshake: resuming the terminal's last
// TLS session as an agent does, or, with --full-handshakes, a full one each time. As an agent
// does, a sync turned away as busy (a 503, or the collector's busy alert before the handshake,
// which the agent's client reads as one) is asked again after its Retry-After with jitter, and a
// failed one after the back-off.
// Prints p50/p99 of the admitted syncs against the target and of delivery (from a sync's first
// attempt, waits included), what was shed and retried, the collector's resident memory,
// descriptors and CPU and the load generator's CPU (it shares the machine), with a baseline
// measured in the same run: the same syncs from a single terminal, one after another, on an
// otherwise idle collector.
#include <sys/resource.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "BenchCollector.h"
#include "BenchOptions.h"
#include "LatencyStats.h"
#include "LoadTerminal.h"
#include "agent/Backoff.h"
#include "ProcessSample.h"
#include "mamori/common/Log.h"
#include "mamori/policy/PolicyLoader.h"

namespace po = boost::program_options;
namespace asio = boost::asio;
using namespace mamori::bench;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kProfile = MAMORI_SOURCE_DIR "/installer/profiles/mynumber.yaml";

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// What the fleet's syncs came to: the latency of each admitted sync (the attempt the collector
// took), the time to deliver each (from its first attempt, so a turned-away sync counts the wait
// it was told to make), and how many were shed and retried.
struct FleetResult {
    std::mutex mutex;  // the load generator's threads all tell it
    LatencyStats admitted, delivered;
    // With --series: each admitted sync's start, in seconds from the fleet's, and its latency.
    bool keep_series = false;
    Clock::time_point started;
    std::vector<std::pair<double, double>> series;
    size_t failures = 0, shed = 0, given_up = 0;
    std::map<std::string, size_t> failed_because;
};

// An agent never gives up a sync (its journal keeps the events); the benchmark has to end.
constexpr unsigned kGiveUpAfterFailures = 10;

// One terminal's sync as an agent makes it: turned away as busy, it waits as the agent does
// (Backoff::busy) and asks again; failed (refused without a word, timed out), it waits the
// agent's back-off after a failure and tries again.
asio::awaitable<void> syncAsAnAgent(LoadTerminal& terminal, FleetResult& result, uint64_t seed) {
    auto ex = co_await asio::this_coro::executor;
    const auto t0 = Clock::now();
    mamori::agent::Backoff backoff(std::chrono::milliseconds(500), std::chrono::minutes(5), seed);
    for (;;) {
        std::chrono::seconds retry_after{0};
        try {
            const auto attempt = Clock::now();
            co_await terminal.sync(ex);
            const auto done = Clock::now();
            std::lock_guard lock(result.mutex);
            result.admitted.add(std::chrono::duration<double, std::milli>(done - attempt).count());
            if (result.keep_series)
                result.series.emplace_back(std::chrono::duration<double>(attempt - result.started).count(),
                                           std::chrono::duration<double, std::milli>(done - attempt).count());
            result.delivered.add(std::chrono::duration<double, std::milli>(done - t0).count());
            co_return;
        } catch (const LoadTerminal::Busy& busy) {
            std::lock_guard lock(result.mutex);
            ++result.shed;
            retry_after = busy.retry_after;
        } catch (const std::exception& e) {
            std::lock_guard lock(result.mutex);
            ++result.failures;
            // Why, without the terminal's name in front: "pc-000042: sync: Connection reset".
            std::string why = e.what();
            if (const auto colon = why.find(": "); why.rfind("pc-", 0) == 0 && colon != std::string::npos)
                why.erase(0, colon + 2);
            ++result.failed_because[why];
            if (backoff.failures() + 1 >= kGiveUpAfterFailures) {
                ++result.given_up;
                co_return;
            }
        }
        // (no co_await inside a handler)
        asio::steady_timer wait(ex, retry_after.count() > 0 ? backoff.busy(retry_after) : backoff.next());
        co_await wait.async_wait(asio::use_awaitable);
    }
}

// Each terminal's sync every interval, terminal i first at i/N of it.
asio::awaitable<void> fleetSyncs(std::vector<std::unique_ptr<LoadTerminal>>& fleet, std::chrono::milliseconds interval,
                                 int rounds, FleetResult& result) {
    auto ex = co_await asio::this_coro::executor;
    const auto start = Clock::now();
    const size_t n = fleet.size();
    std::mt19937_64 rng(42);
    asio::steady_timer timer(ex);
    for (size_t k = 0; k < n * static_cast<size_t>(rounds); ++k) {
        timer.expires_at(start + interval * static_cast<int64_t>(k) / static_cast<int64_t>(n));
        co_await timer.async_wait(asio::use_awaitable);
        asio::co_spawn(ex, syncAsAnAgent(*fleet[k % n], result, rng()), asio::detached);
    }
}

size_t openDescriptors(pid_t pid) {
    std::error_code ec;
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++n;
    return n;
}

double selfCpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    int terminals = 10000, rounds = 2, interval_s = 60, threads = 2;
    bool full_handshakes = false, shedding = true, with_policy = true;
    std::string dir_arg, series_arg;
    po::options_description opts("sync_bench: a fleet syncing once a minute with one collector");
    opts.add_options()("help,h", "show this help")
        ("terminals", po::value(&terminals), "enrolled terminals (default 10000)")
        ("rounds", po::value(&rounds), "syncs per terminal, one per interval (default 2)")
        ("interval", po::value(&interval_s), "seconds between a terminal's syncs (default 60)")
        ("threads", po::value(&threads), "collector worker threads (default 2, as mamori-collector run)")
        ("full-handshakes", po::bool_switch(&full_handshakes),
         "no TLS session resumption: every sync a full handshake, as before resumption")
        ("no-shedding", po::bool_switch()->notifier([&](bool on) { shedding = !on; }),
         "the collector serves every connection however late (shed_when_overloaded = no), for comparison")
        ("no-policy", po::bool_switch()->notifier([&](bool on) { with_policy = !on; }),
         "push no profile: syncs resolve no policy (by default installer/profiles/mynumber.yaml is pushed first)")
        ("series", po::value(&series_arg),
         "also write each admitted sync as a CSV line to this file: its start in seconds from the first sync's, "
         "and its latency in ms (where in the run the slow ones were)")
        ("dir", po::value(&dir_arg), "work directory (default: a new one in $TMPDIR)");
    po::variables_map vm;
    if (int rc = parseCommandLine(opts, argc, argv, vm); rc >= 0) return rc;
    if (terminals < 1 || rounds < 1 || interval_s < 1 || threads < 1) {
        std::fprintf(stderr, "sync_bench: --terminals, --rounds, --interval and --threads must each be 1 or more\n");
        return 2;
    }
    mamori::Log::setLevel(mamori::Log::Level::Warn);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    // Each terminal keeps its TLS context; the syncs in flight hold descriptors.
    raiseOpenFileLimit();
    const auto work = workDirectory(dir_arg, "sync-bench");
    std::printf("sync benchmark: %d terminals, each syncing every %d s, %d rounds (reconnecting: a new mutual TLS "
                "1.3 connection per sync, %s)\n",
                terminals, interval_s, rounds, full_handshakes ? "every one a full handshake" : "resuming the last session");
    int rc = 0;
    try {
        // The whole fleet comes from this one address, where a city's terminals each have their
        // own: the per-address cap would shed them before the collector's own load does.
        BenchCollector collector(work / "collector", threads, "", true, "max_connections_per_address = 4096\n" + std::string(shedding ? "" : "shed_when_overloaded = no\n"));
        auto t0 = Clock::now();
        std::vector<std::unique_ptr<LoadTerminal>> fleet(terminals);
        {
            // Four at a time, so that the collector's two workers always have one to serve.
            std::atomic<int> next{0}, done{0};
            std::mutex failed_mutex;
            std::exception_ptr failed;
            std::vector<std::thread> enrollers;
            for (int t = 0; t < 4; ++t)
                enrollers.emplace_back([&] {
                    try {
                    for (int i; (i = next++) < terminals;) {
                        auto terminal = std::make_unique<LoadTerminal>(collector.agentUrl(), collector.caPem());
                        char host[32];
                        std::snprintf(host, sizeof host, "pc-%06d", i);
                        terminal->enroll(collector.createToken("benchmark"), host);
                        if (full_handshakes) terminal->disableResumption();
                        fleet[i] = std::move(terminal);
                        if (int n = ++done; n % 5000 == 0) std::printf("  enrolled %d terminals (%.0f s)\n", n, since(t0));
                    }
                    } catch (...) {
                        std::lock_guard lock(failed_mutex);
                        if (!failed) failed = std::current_exception();
                        next = terminals;  // the others stop too
                    }
                });
            for (auto& t : enrollers) t.join();
            if (failed) std::rethrow_exception(failed);
        }
        if (with_policy) {
            // A fleet runs a profile: each sync then resolves the terminal's policy, exceptions and
            // ledger, and the first after the push delivers the signed policy, as in a city.
            auto profile = mamori::policy::PolicyLoader::loadFile(kProfile);
            if (!profile) throw std::runtime_error(profile.formatErrors());
            std::printf("  pushed %s to the fleet: version %llu\n", kProfile,
                        static_cast<unsigned long long>(collector.pushPolicy("benchmark", profile.policy())));
        }
        const ProcessSample before(collector.pid());

        // Baseline: one terminal's syncs in a row, nothing else happening.
        LatencyStats alone;
        {
            asio::io_context io;
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                    for (int k = 0; k < 200; ++k) alone.add(co_await fleet[0]->sync(co_await asio::this_coro::executor));
                },
                asio::detached);
            io.run();
        }

        FleetResult fleet_result;
        long peak_rss_kb = 0;
        size_t peak_fds = 0;
        const ProcessSample cpu_before(collector.pid());
        const double self_before = selfCpuSeconds();
        const auto fleet_t0 = Clock::now();
        fleet_result.keep_series = !series_arg.empty();
        fleet_result.started = fleet_t0;
        {
            asio::io_context io;
            asio::co_spawn(io, fleetSyncs(fleet, std::chrono::seconds(interval_s), rounds, fleet_result),
                           asio::detached);
            // The collector's memory and descriptors, sampled while the fleet syncs.
            asio::steady_timer sampler(io);
            std::function<void()> sample = [&] {
                peak_rss_kb = std::max(peak_rss_kb, ProcessSample(collector.pid()).rss_kb);
                peak_fds = std::max(peak_fds, openDescriptors(collector.pid()));
                sampler.expires_after(std::chrono::seconds(1));
                sampler.async_wait([&](const boost::system::error_code& ec) {
                    std::unique_lock lock(fleet_result.mutex);
                    const bool more = fleet_result.admitted.count() + fleet_result.given_up <
                                      static_cast<size_t>(terminals) * rounds;
                    lock.unlock();
                    if (!ec && more) sample();
                });
            };
            sample();
            // Two threads, as the collector has, so that the load offered is what a fleet would
            // send rather than what one loop keeps up with.
            std::thread second([&] { io.run(); });
            io.run();
            second.join();
        }
        const double wall = since(fleet_t0);
        const double collector_cpu =
            (ProcessSample(collector.pid()).cpuTicks() - cpu_before.cpuTicks()) / ProcessSample::ticksPerSecond();
        const double load_cpu = selfCpuSeconds() - self_before;
        const LatencyStats& fleet_stats = fleet_result.admitted;
        const double p50 = fleet_stats.percentile(50), p99 = fleet_stats.percentile(99);
        std::printf("\n  syncs: %zu answered, %zu given up after %u failures; %zu turned away as busy (503) and asked "
                    "again after Retry-After; %zu attempts failed and tried again after the agent's back-off\n",
                    fleet_stats.count(), fleet_result.given_up, kGiveUpAfterFailures, fleet_result.shed,
                    fleet_result.failures);
        for (const auto& [why, n] : fleet_result.failed_because) std::printf("    failed: %zu x %s\n", n, why.c_str());
        std::printf("  one terminal alone        p50 %7.2f ms   p99 %7.2f ms   (baseline, %zu syncs)\n",
                    alone.percentile(50), alone.percentile(99), alone.count());
        std::printf("  %6d terminals          p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms\n", terminals, p50, p99,
                    fleet_stats.max());
        std::printf("  ratio fleet / alone       p50 %7.2f      p99 %7.2f\n", p50 / alone.percentile(50),
                    p99 / alone.percentile(99));
        std::printf("  delivered (first attempt to stored, the waits asked by 503 included)   p50 %7.2f ms   p99 %9.2f "
                    "ms\n",
                    fleet_result.delivered.percentile(50), fleet_result.delivered.percentile(99));
        std::printf("  collector RSS: %ld kB after enrollment, %ld kB peak while syncing; %zu descriptors at most\n",
                    before.rss_kb, peak_rss_kb, peak_fds);
        std::printf("  CPU over the %.0f s of syncing: collector %.1f s (%.0f %% of a core), load generator %.1f s "
                    "(%.0f %%)\n",
                    wall, collector_cpu, 100 * collector_cpu / wall, load_cpu, 100 * load_cpu / wall);
        if (!series_arg.empty()) {
            std::ofstream out(series_arg, std::ios::trunc);
            out << "start_s,latency_ms\n";
            for (const auto& [start, ms] : fleet_result.series) out << start << ',' << ms << '\n';
            if (!out) throw std::runtime_error("cannot write " + series_arg);
            std::printf("  each admitted sync written to %s\n", series_arg.c_str());
        }
        const bool met = p99 <= 100 && fleet_result.given_up == 0;
        std::printf("\n  p99 of admitted syncs %.2f ms   target <= 100 ms, none given up   %s\n", p99,
                    met ? "met" : "MISSED");
        rc = met ? 0 : 3;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sync_bench: %s\n", e.what());
        rc = 1;
    }
    if (dir_arg.empty()) std::filesystem::remove_all(work);
    return rc;
}
