// The collector under an unauthenticated crowd: 200 clients announcing 15 MB bodies and sending
// them, and 100 slowloris clients trickling headers, against the real mamori-collector binary in
// its own process; meanwhile 100 enrolled terminals sync over real mutual TLS 1.3. Prints the
// collector's peak resident memory above idle (target <= 64 MB) and the honest syncs' p50/p99
// (target p99 <= 100 ms) against a baseline measured in the same run: the same syncs with no
// attack. Two configurations: the defaults, with the crowd from one address (its connection cap
// turns most of it away), and the per-address cap raised with the crowd spread over 30
// addresses, so that it really holds 300 connections.
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
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "AttackCrowd.h"
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

struct Settings {
    int terminals = 100, bodies = 200, slowloris = 100, seconds = 15, interval_ms = 1000, reconnect_ms = 1000;
    size_t body_bytes = 15'000'000;
};

// Each terminal syncs every interval for `duration`, terminal i first at i/N of the interval
// (a fleet's clocks spread them); latencies land in stats.
asio::awaitable<void> honestSyncs(std::vector<std::unique_ptr<LoadTerminal>>& fleet, std::chrono::milliseconds interval,
                                  std::chrono::seconds duration, LatencyStats& stats, size_t& failures,
                                  std::string& first_failure) {
    auto ex = co_await asio::this_coro::executor;
    const auto start = Clock::now();
    const size_t n = fleet.size();
    asio::steady_timer timer(ex);
    for (size_t k = 0;; ++k) {
        const auto at = start + interval * static_cast<int64_t>(k) / static_cast<int64_t>(n);
        if (at - start >= duration) break;
        timer.expires_at(at);
        co_await timer.async_wait(asio::use_awaitable);
        asio::co_spawn(
            ex,
            [&, i = k % n]() -> asio::awaitable<void> {
                try {
                    stats.add(co_await fleet[i]->sync(co_await asio::this_coro::executor));
                } catch (const std::exception& e) {
                    if (failures++ == 0) first_failure = e.what();
                }
            },
            asio::detached);
    }
    timer.expires_after(std::chrono::seconds(5));  // the syncs still in flight
    co_await timer.async_wait(asio::use_awaitable);
}

struct Figures {
    LatencyStats alone, attacked;
    size_t alone_failures = 0, attacked_failures = 0;
    std::string alone_failure, attacked_failure;  // the first of each, as the client saw it
    long idle_kb = 0, peak_kb = 0, hwm_kb = 0;
};

// The honest fleet's syncs while `sample` records the collector's memory every 100 ms.
void measure(std::vector<std::unique_ptr<LoadTerminal>>& fleet, const Settings& s, pid_t collector, LatencyStats& stats,
             size_t& failures, std::string& first_failure, long& peak_kb) {
    asio::io_context io;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await honestSyncs(fleet, std::chrono::milliseconds(s.interval_ms), std::chrono::seconds(s.seconds), stats,
                                 failures, first_failure);
            done = true;
        },
        asio::detached);
    asio::steady_timer sampler(io);
    std::function<void()> sample = [&] {
        peak_kb = std::max(peak_kb, ProcessSample(collector).rss_kb);
        sampler.expires_after(std::chrono::milliseconds(100));
        sampler.async_wait([&](const boost::system::error_code& ec) {
            if (!ec && !done) sample();
        });
    };
    sample();
    io.run();
}

Figures run(const std::filesystem::path& dir, const Settings& s, const std::string& extra_conf,
            const std::vector<std::string>& attack_sources) {
    Figures f;
    BenchCollector collector(dir, 2, "", true, extra_conf);
    std::vector<std::unique_ptr<LoadTerminal>> fleet;
    for (int i = 0; i < s.terminals; ++i) {
        fleet.push_back(std::make_unique<LoadTerminal>(collector.agentUrl(), collector.caPem()));
        fleet.back()->enroll(collector.createToken("benchmark"), "pc-" + std::to_string(i));
    }
    long unused_peak = 0;
    measure(fleet, s, collector.pid(), f.alone, f.alone_failures, f.alone_failure, unused_peak);
    f.idle_kb = ProcessSample(collector.pid()).rss_kb;
    const long hwm_before = ProcessSample(collector.pid()).hwm_kb;

    const auto port = [](const std::string& url) { return static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1))); };
    const unsigned short agent = port(collector.agentUrl()), admin = port(collector.adminUrl());
    const std::string length = "Content-Length: " + std::to_string(s.body_bytes) + "\r\n\r\n";
    const std::vector<AttackCrowd::Target> targets = {
        {agent, "POST /v1/events HTTP/1.1\r\nHost: collector\r\nContent-Type: application/x-protobuf\r\n" + length},
        {agent, "POST /v1/enroll HTTP/1.1\r\nHost: collector\r\nContent-Type: application/x-protobuf\r\n" + length},
        {admin, "POST /admin/v1/policies HTTP/1.1\r\nHost: collector\r\nAuthorization: Bearer made-up\r\n"
                "Content-Type: application/json\r\n" + length},
    };
    asio::io_context attack_io;
    AttackCrowd crowd(attack_io, attack_sources, std::chrono::milliseconds(s.reconnect_ms));
    crowd.bodies(s.bodies, targets, s.body_bytes, 64 * 1024, std::chrono::milliseconds(10));
    crowd.slowloris(s.slowloris, agent, std::chrono::milliseconds(1000));
    std::thread attacker([&] { attack_io.run(); });
    std::this_thread::sleep_for(std::chrono::seconds(3));  // the crowd in place before the clock starts
    measure(fleet, s, collector.pid(), f.attacked, f.attacked_failures, f.attacked_failure, f.peak_kb);
    const ProcessSample after(collector.pid());
    f.hwm_kb = after.hwm_kb;
    attack_io.stop();
    attacker.join();
    // Open as the crowd counts them: a connection over a cap is open until its 503 arrives.
    std::printf("  attack: %ld TLS connections made, %ld open at most at once, %ld refused with 503, %ld other "
                "answers (401/413/408), %ld connects failed, %.1f MB sent\n",
                crowd.connections.load(), crowd.peak_open.load(), crowd.refused_503.load(), crowd.answered.load(),
                crowd.failed.load(), static_cast<double>(crowd.bytes_sent.load()) / 1e6);
    if (after.hwm_kb > hwm_before)
        std::printf("  collector VmHWM rose from %ld to %ld kB during the attack\n", hwm_before, after.hwm_kb);
    return f;
}

bool report(const char* title, const Figures& f) {
    // VmHWM catches a peak between two samples; the collector was never larger before the attack.
    const long peak_kb = std::max(f.peak_kb, f.hwm_kb);
    const double above_mb = static_cast<double>(peak_kb - f.idle_kb) / 1024.0;
    const double p50 = f.attacked.percentile(50), p99 = f.attacked.percentile(99);
    std::printf("  %s\n", title);
    std::printf("    collector RSS: idle %ld kB, peak %ld kB under attack: %.1f MB above idle (target <= 64 MB)\n",
                f.idle_kb, peak_kb, above_mb);
    std::printf("    honest syncs, no attack    p50 %7.2f ms   p99 %7.2f ms   (%zu syncs, %zu failed)\n",
                f.alone.percentile(50), f.alone.percentile(99), f.alone.count(), f.alone_failures);
    std::printf("    honest syncs, under attack p50 %7.2f ms   p99 %7.2f ms   (%zu syncs, %zu failed, max %.2f ms)\n", p50,
                p99, f.attacked.count(), f.attacked_failures, f.attacked.max());
    std::printf("    ratio attacked / baseline  p50 %7.2f      p99 %7.2f\n", p50 / f.alone.percentile(50),
                p99 / f.alone.percentile(99));
    if (!f.alone_failure.empty()) std::printf("    first failed sync, no attack: %s\n", f.alone_failure.c_str());
    if (!f.attacked_failure.empty()) std::printf("    first failed sync, under attack: %s\n", f.attacked_failure.c_str());
    const bool met = above_mb <= 64 && p99 <= 100 && f.attacked_failures == 0;
    std::printf("    targets (<= 64 MB, p99 <= 100 ms, no failed sync): %s\n", met ? "met" : "MISSED");
    return met;
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    std::string dir_arg;
    po::options_description opts("attack_bench: honest syncs while an unauthenticated crowd attacks the collector");
    opts.add_options()("help,h", "show this help")
        ("terminals", po::value(&s.terminals), "enrolled terminals syncing (default 100)")
        ("bodies", po::value(&s.bodies), "clients announcing and sending a large body (default 200)")
        ("body-bytes", po::value(&s.body_bytes), "the announced body length (default 15000000)")
        ("slowloris", po::value(&s.slowloris), "clients trickling a header line a second (default 100)")
        ("seconds", po::value(&s.seconds), "length of each measured phase (default 15)")
        ("interval-ms", po::value(&s.interval_ms), "each terminal's sync interval (default 1000)")
        ("reconnect-ms", po::value(&s.reconnect_ms), "an attacker's pause before reconnecting (default 1000)")
        ("dir", po::value(&dir_arg), "work directory (default: a new one in $TMPDIR)");
    po::variables_map vm;
    if (int rc = parseCommandLine(opts, argc, argv, vm); rc >= 0) return rc;
    mamori::Log::setLevel(mamori::Log::Level::Warn);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    // 300 attack connections, the honest syncs and the collector (which inherits the limit).
    raiseOpenFileLimit();
    const auto work = workDirectory(dir_arg, "attack-bench");
    std::printf("attack benchmark: %d honest terminals syncing every %d ms for %d s, with no attack and then under "
                "%d clients sending %zu-byte bodies and %d slowloris clients (unauthenticated)\n",
                s.terminals, s.interval_ms, s.seconds, s.bodies, s.body_bytes, s.slowloris);
    int rc = 0;
    try {
        // The honest terminals connect from 127.0.0.1, the crowd from elsewhere.
        std::printf("\ndefault configuration, the crowd from one address (127.0.0.2):\n");
        const Figures one = run(work / "default", s, "", {"127.0.0.2"});
        std::vector<std::string> many;
        for (int i = 2; i < 32; ++i) many.push_back("127.0.0." + std::to_string(i));
        std::printf("\nmax_connections_per_address = 1000, the crowd from 30 addresses (127.0.0.2-31):\n");
        const Figures spread = run(work / "raised", s, "max_connections_per_address = 1000\n", many);
        std::printf("\n");
        const bool met = report("default configuration, crowd from one address:", one) &
                         report("per-address cap raised, crowd from 30 addresses:", spread);
        rc = met ? 0 : 3;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attack_bench: %s\n", e.what());
        rc = 1;
    }
    if (dir_arg.empty()) std::filesystem::remove_all(work);
    return rc;
}
