// Sync at fleet scale: N enrolled terminals each sync once a minute with one collector (the real
// mamori-collector binary in its own process), spread evenly over the minute as a fleet's clocks
// spread them. Every sync is a new mutual-TLS 1.3 connection (no pooling: a terminal that syncs
// once a minute finds its previous connection closed by the collector's idle timeout), so each
// figure includes the full handshake. Prints p50/p99 sync latency against the target and the
// collector's resident memory, with a baseline measured in the same run: the same syncs from a
// single terminal, one after another, on an otherwise idle collector.
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "BenchCollector.h"
#include "BenchOptions.h"
#include "LatencyStats.h"
#include "LoadTerminal.h"
#include "ProcessSample.h"
#include "mamori/common/Log.h"

namespace po = boost::program_options;
namespace asio = boost::asio;
using namespace mamori::bench;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Each terminal's sync every interval, terminal i first at i/N of it; latencies land in stats.
asio::awaitable<void> fleetSyncs(std::vector<std::unique_ptr<LoadTerminal>>& fleet, std::chrono::milliseconds interval,
                                 int rounds, LatencyStats& stats, size_t& failures) {
    auto ex = co_await asio::this_coro::executor;
    const auto start = Clock::now();
    const size_t n = fleet.size();
    asio::steady_timer timer(ex);
    for (size_t k = 0; k < n * static_cast<size_t>(rounds); ++k) {
        timer.expires_at(start + interval * static_cast<int64_t>(k) / static_cast<int64_t>(n));
        co_await timer.async_wait(asio::use_awaitable);
        asio::co_spawn(
            ex,
            [&, i = k % n]() -> asio::awaitable<void> {
                try {
                    stats.add(co_await fleet[i]->sync(co_await asio::this_coro::executor, 0));
                } catch (const std::exception&) {
                    ++failures;
                }
            },
            asio::detached);
    }
    // The last syncs are still in flight: give them the time a sync may take.
    timer.expires_after(std::chrono::seconds(5));
    co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace

int main(int argc, char** argv) {
    int terminals = 10000, rounds = 2, interval_s = 60, threads = 2;
    std::string dir_arg;
    po::options_description opts("sync_bench: a fleet syncing once a minute with one collector");
    opts.add_options()("help,h", "show this help")
        ("terminals", po::value(&terminals), "enrolled terminals (default 10000)")
        ("rounds", po::value(&rounds), "syncs per terminal, one per interval (default 2)")
        ("interval", po::value(&interval_s), "seconds between a terminal's syncs (default 60)")
        ("threads", po::value(&threads), "collector worker threads (default 2, as mamori-collector run)")
        ("dir", po::value(&dir_arg), "work directory (default: a new one in $TMPDIR)");
    po::variables_map vm;
    if (int rc = parseCommandLine(opts, argc, argv, vm); rc >= 0) return rc;
    mamori::Log::setLevel(mamori::Log::Level::Warn);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    // Each terminal keeps its TLS context; the syncs in flight hold descriptors.
    raiseOpenFileLimit();
    const auto work = workDirectory(dir_arg, "sync-bench");
    std::printf("sync benchmark: %d terminals, each syncing every %d s, %d rounds (reconnecting: a new mutual TLS "
                "1.3 connection per sync)\n",
                terminals, interval_s, rounds);
    int rc = 0;
    try {
        BenchCollector collector(work / "collector", threads, "", true);
        auto t0 = Clock::now();
        std::vector<std::unique_ptr<LoadTerminal>> fleet;
        fleet.reserve(terminals);
        for (int i = 0; i < terminals; ++i) {
            fleet.push_back(std::make_unique<LoadTerminal>(collector.agentUrl(), collector.caPem()));
            char host[32];
            std::snprintf(host, sizeof host, "pc-%05d", i);
            fleet.back()->enroll(collector.createToken("benchmark"), host);
            if ((i + 1) % 1000 == 0) std::printf("  enrolled %d terminals (%.0f s)\n", i + 1, since(t0));
        }
        const ProcessSample before(collector.pid());

        // Baseline: one terminal's syncs in a row, nothing else happening.
        LatencyStats alone;
        {
            asio::io_context io;
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                    for (int k = 0; k < 200; ++k) alone.add(co_await fleet[0]->sync(co_await asio::this_coro::executor, 0));
                },
                asio::detached);
            io.run();
        }

        LatencyStats fleet_stats;
        size_t failures = 0;
        long peak_rss_kb = 0;
        {
            asio::io_context io;
            asio::co_spawn(io, fleetSyncs(fleet, std::chrono::seconds(interval_s), rounds, fleet_stats, failures),
                           asio::detached);
            // The collector's memory, sampled while the fleet syncs.
            asio::steady_timer sampler(io);
            std::function<void()> sample = [&] {
                peak_rss_kb = std::max(peak_rss_kb, ProcessSample(collector.pid()).rss_kb);
                sampler.expires_after(std::chrono::seconds(1));
                sampler.async_wait([&](const boost::system::error_code& ec) {
                    if (!ec && fleet_stats.count() + failures < static_cast<size_t>(terminals) * rounds) sample();
                });
            };
            sample();
            io.run();
        }
        const double p50 = fleet_stats.percentile(50), p99 = fleet_stats.percentile(99);
        std::printf("\n  syncs: %zu answered, %zu failed\n", fleet_stats.count(), failures);
        std::printf("  one terminal alone        p50 %7.2f ms   p99 %7.2f ms   (baseline, %zu syncs)\n",
                    alone.percentile(50), alone.percentile(99), alone.count());
        std::printf("  %5d terminals           p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms\n", terminals, p50, p99,
                    fleet_stats.max());
        std::printf("  ratio fleet / alone       p50 %7.2f      p99 %7.2f\n", p50 / alone.percentile(50),
                    p99 / alone.percentile(99));
        std::printf("  collector RSS: %ld kB after enrollment, %ld kB peak while syncing\n", before.rss_kb, peak_rss_kb);
        const bool met = p99 <= 100 && failures == 0;
        std::printf("\n  p99 sync latency %.2f ms   target <= 100 ms   %s\n", p99, met ? "met" : "MISSED");
        rc = met ? 0 : 3;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sync_bench: %s\n", e.what());
        rc = 1;
    }
    if (dir_arg.empty()) std::filesystem::remove_all(work);
    return rc;
}
