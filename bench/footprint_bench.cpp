// The footprint of an idle enrolled agent: the real mamori-agent, enrolled with a real collector
// (running in this process), left alone for a minute while its resident memory and CPU time are
// read from /proc. Idle means what a terminal does all day: sync, heartbeat, wait on its reactor.
#include <signal.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "BenchCollector.h"
#include "BenchOptions.h"
#include "ProcessSample.h"
#include "agent/AgentStatus.h"
#include "mamori/common/Log.h"
#include "tests/support/Subprocess.h"

namespace po = boost::program_options;
using namespace mamori::bench;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    double seconds = 60, warmup = 15, interval = 0.5;
    std::string agent_bin = std::string(MAMORI_BINARY_DIR) + "/agent/mamori-agent", dir_arg;
    bool keep = false;
    po::options_description opts("footprint_bench: RSS and CPU of an idle enrolled mamori-agent");
    opts.add_options()("help,h", "show this help")
        ("seconds", po::value(&seconds), "how long to watch the idle agent (default 60)")
        ("warmup", po::value(&warmup), "seconds to wait after its first sync before watching (default 15: the agent gives back "
         "its start-up memory 10 s after it starts)")
        ("interval", po::value(&interval), "seconds between samples (default 0.5)")
        ("agent", po::value(&agent_bin), "the mamori-agent binary (default: the one of this build)")
        ("dir", po::value(&dir_arg), "work directory (default: a new one in $TMPDIR, removed afterwards)")
        ("keep", po::bool_switch(&keep), "keep the work directory (agent log, journal, collector)");
    po::variables_map vm;
    if (int rc = parseCommandLine(opts, argc, argv, vm); rc >= 0) return rc;
    mamori::Log::setLevel(mamori::Log::Level::Warn);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it happens, also through a pipe
    const std::filesystem::path work = dir_arg.empty() ? std::filesystem::temp_directory_path() /
                                                             ("mamori-footprint-bench-" + std::to_string(getpid()))
                                                       : std::filesystem::path(dir_arg);
    const auto agent_dir = work / "agent", state = agent_dir / "state";
    std::filesystem::create_directories(agent_dir);
    std::printf("agent footprint benchmark: %s idle for %.0f s\n  work directory %s\n", agent_bin.c_str(), seconds,
                work.c_str());

    int rc = 0;
    try {
            BenchCollector collector(work / "collector", 1);
            const std::string conf = (agent_dir / "agent.conf").string();
            std::ofstream(conf) << "state_dir = " << state.string() << "\n";

            std::string out;
            if (mamori::test::Subprocess::run({agent_bin, "enroll", "--config", conf, "--collector", collector.agentUrl(),
                                               "--token", collector.createToken("benchmark"), "--hostname", "footprint-pc"},
                                              &out) != 0) {
                std::fprintf(stderr, "enrollment failed: %s", out.c_str());
                return 1;
            }
            std::printf("  %s", out.c_str());

            mamori::test::Subprocess agent({agent_bin, "run", "--config", conf}, agent_dir / "agent.log");
            // The daemon is idle once its first sync is done (status.conf records it).
            auto started = Clock::now();
            while (mamori::agent::AgentStatus::load(state).last_sync_unix == 0) {
                if (!agent.running() || Clock::now() - started > std::chrono::seconds(30)) {
                    std::fprintf(stderr, "the agent did not sync within 30 s; see %s\n", (agent_dir / "agent.log").c_str());
                    return 1;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            std::printf("  first sync %.2f s after start\n",
                        std::chrono::duration<double>(Clock::now() - started).count());
            std::this_thread::sleep_for(std::chrono::duration<double>(warmup));

            const pid_t pid = mamori::agent::AgentStatus::load(state).pid;
            // Samples miss what lasts less than an interval (a sync takes milliseconds); the
            // kernel's own high-water mark does not. Reset it, so it covers the watched minute only.
            const bool hwm_reset = static_cast<bool>(std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5");
            ProcessSample first(pid), peak = first, last = first;
            auto t0 = Clock::now();
            const auto until = t0 + std::chrono::duration<double>(seconds);
            int samples = 0;
            while (Clock::now() < until) {
                std::this_thread::sleep_for(std::chrono::duration<double>(interval));
                ProcessSample s(pid);
                if (!s.ok()) {
                    std::fprintf(stderr, "the agent exited (status %d) while being watched; see %s\n",
                                 agent.wait(std::chrono::seconds(1)), (agent_dir / "agent.log").c_str());
                    return 1;
                }
                if (s.rss_kb > peak.rss_kb) peak = s;
                last = s;
                ++samples;
            }
            const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
            const double cpu_s = (last.cpuTicks() - first.cpuTicks()) / ProcessSample::ticksPerSecond();
            const double cpu_precise_s = (last.cpu_ns - first.cpu_ns) / 1e9;
            const int exit_status = agent.kill(SIGTERM);

            // The agent did its job meanwhile: its lifecycle events reached the collector.
            auto events = collector.admin(boost::beast::http::verb::get, "/admin/v1/events?terminal=footprint-pc");
            size_t delivered = events.status == 200 ? boost::json::parse(events.body).at("rows").as_array().size() : 0;

            // The target holds for the high-water mark when the kernel keeps one for the window.
            const double rss_mb = (hwm_reset ? std::max(last.hwm_kb, peak.rss_kb) : peak.rss_kb) / 1024.0;
            const double cpu_pct = 100 * cpu_precise_s / elapsed;
            // The reactor (main thread) is the daemon itself; the other threads are the ones it
            // lends: mamori-work for slow work (digests of programs started on this machine
            // meanwhile, giving idle memory back) and mamori-fanotify, the exec watch's reader.
            auto threadCpu = [&](bool main) {
                long long ns = 0;
                for (const auto& [tid, end] : last.thread_cpu_ns) {
                    if ((tid == pid) != main) continue;
                    auto start = first.thread_cpu_ns.find(tid);
                    ns += end - (start == first.thread_cpu_ns.end() ? 0 : start->second);
                }
                return ns / 1e6;
            };
            std::printf("\n");
            std::printf("  samples              %d over %.1f s (every %.1f s)\n", samples, elapsed, interval);
            std::printf("  max sampled RSS      %.2f MB  (anonymous %.2f MB of which malloc heap %.2f MB; "
                        "file-backed %.2f MB; %ld threads)\n",
                        peak.rss_kb / 1024.0, peak.anon_kb / 1024.0, peak.heap_kb / 1024.0, peak.file_kb / 1024.0, peak.threads);
            std::printf("  PSS at that moment   %.2f MB  (shared library pages divided among the processes using them)\n",
                        peak.pss_kb / 1024.0);
            std::printf("  peak RSS             %.2f MB  (VmHWM, %s)\n", rss_mb,
                        hwm_reset ? "the kernel's high-water mark over the watched time, syncs included"
                                  : "could not be reset: includes start-up");
            std::printf("  CPU                  %.4f %%  (%.1f ms on a CPU in %.1f s; utime+stime %.2f s in 1/%g s ticks)\n",
                        cpu_pct, cpu_precise_s * 1e3, elapsed, cpu_s, ProcessSample::ticksPerSecond());
            std::printf("    by thread          reactor %.1f ms (%.4f %%), worker threads %.1f ms (%.4f %%)\n",
                        threadCpu(true), threadCpu(true) / 10 / elapsed, threadCpu(false), threadCpu(false) / 10 / elapsed);
            std::printf("  agent exit on SIGTERM %d; %zu events delivered to the collector\n", exit_status, delivered);
            std::printf("\n");
            std::printf("  peak RSS %.2f MB   target <= 10 MB   %s\n", rss_mb, rss_mb <= 10 ? "met" : "MISSED");
            std::printf("  CPU      %.4f %%   target <= 0.1 %%   %s\n", cpu_pct, cpu_pct <= 0.1 ? "met" : "MISSED");
            if (exit_status != 0 || delivered == 0) rc = 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "footprint_bench: %s\n", e.what());
        rc = 1;
    }
    if (!keep && dir_arg.empty()) std::filesystem::remove_all(work);
    return rc;
}
