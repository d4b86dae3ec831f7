// The footprint of an idle enrolled agent: the real mamori-agent, enrolled with a real collector
// (running in this process), left alone for a minute while its resident memory and CPU time are
// read from /proc. Idle means what a terminal does all day: sync, heartbeat, wait on its reactor.
// The baseline is usbguard-daemon (Debian's usbguard, one allow rule), watched over the same
// minute: a resident daemon that does one of the agent's four jobs.
#include <signal.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include "BenchCollector.h"
#include "BenchOptions.h"
#include "ProcessSample.h"
#include "agent/AgentStatus.h"
#include "mamori/common/Log.h"
#include "mamori/policy/PolicyLoader.h"
#include "tests/support/Subprocess.h"

namespace po = boost::program_options;
using namespace mamori::bench;
using Clock = std::chrono::steady_clock;

namespace {

// usbguard-daemon with one allow rule that keeps what is plugged in, as the agent keeps its
// baseline. On a machine without USB it would exit at once (it reads /sys/bus/usb/devices): it
// then gets an empty one of its own, in a private mount namespace.
std::optional<mamori::test::Subprocess> startUsbguard(const std::filesystem::path& dir) {
    const char* daemon = "/usr/sbin/usbguard-daemon";
    if (access(daemon, X_OK) != 0) return std::nullopt;
    std::filesystem::create_directories(dir);
    const auto rules = dir / "rules.conf", conf = dir / "usbguard-daemon.conf";
    std::ofstream(rules) << "allow with-interface equals { 03:*:* }\n";
    std::ofstream(conf) << "RuleFile=" << rules.string() << "\nImplicitPolicyTarget=block\nPresentDevicePolicy=keep\n"
                        << "PresentControllerPolicy=keep\nInsertedDevicePolicy=apply-policy\n"
                        << "RestoreControllerDeviceState=true\nDeviceManagerBackend=uevent\nIPCAllowedUsers=root\n"
                        << "AuditBackend=FileAudit\nAuditFilePath=" << (dir / "audit.log").string() << "\n";
    std::filesystem::permissions(rules, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::filesystem::permissions(conf, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::string command = std::string("exec ") + daemon + " -P -K -l '" + (dir / "daemon.log").string() + "' -c '" +
                          conf.string() + "'";
    std::vector<std::string> argv{"/bin/sh", "-c", command};
    if (!std::filesystem::exists("/sys/bus/usb/devices")) {
        command = "mount -t tmpfs none /sys/bus && mkdir -p /sys/bus/usb/devices && " + command;
        argv = {"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", command};
    }
    return mamori::test::Subprocess(argv, dir / "stdout.log");
}

}  // namespace

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

            // The built-in default policy (all four controls) with a heartbeat every minute: the
            // watched minute includes at least one sync, the burst the idle agent's peak is made of.
            auto policy = mamori::policy::PolicyLoader::builtInDefault();
            policy.mutable_reporting()->set_heartbeat_minutes(1);
            collector.pushPolicy("benchmark", policy);

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
            auto usbguard = startUsbguard(work / "usbguard");
            if (!usbguard)
                std::printf("  usbguard-daemon is not installed (apt-get install usbguard): no baseline this run\n");
            std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
            if (usbguard && !ProcessSample(usbguard->pid()).ok()) {  // gone, or a zombie
                std::printf("  usbguard-daemon did not stay up; see %s: no baseline this run\n",
                            (work / "usbguard" / "daemon.log").c_str());
                usbguard.reset();
            }

            const pid_t pid = mamori::agent::AgentStatus::load(state).pid;
            // Samples miss what lasts less than an interval (a sync takes milliseconds); the
            // kernel's own high-water mark does not. Reset it, so it covers the watched minute only.
            auto resetHwm = [](pid_t p) {
                return static_cast<bool>(std::ofstream("/proc/" + std::to_string(p) + "/clear_refs") << "5");
            };
            const bool hwm_reset = resetHwm(pid);
            if (usbguard) resetHwm(usbguard->pid());
            ProcessSample first(pid), peak = first, last = first;
            int64_t last_sync = mamori::agent::AgentStatus::load(state).last_sync_unix;
            int syncs = 0;
            std::optional<ProcessSample> guard_peak, guard_last;
            if (usbguard) guard_peak = guard_last = ProcessSample(usbguard->pid());
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
                if (const int64_t t = mamori::agent::AgentStatus::load(state).last_sync_unix; t != last_sync) {
                    last_sync = t;
                    ++syncs;
                }
                if (usbguard) {
                    ProcessSample g(usbguard->pid());
                    if (g.ok() && g.rss_kb > guard_peak->rss_kb) guard_peak = g;
                    if (g.ok()) guard_last = g;
                }
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
            std::printf("  samples              %d over %.1f s (every %.1f s); %d sync(s) meanwhile (heartbeat every minute)\n",
                        samples, elapsed, interval, syncs);
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
            double guard_mb = 0;
            if (usbguard) {
                guard_mb = std::max(guard_last->hwm_kb, guard_peak->rss_kb) / 1024.0;
                std::printf("  usbguard-daemon      %.2f MB peak RSS (VmHWM over the same time; anonymous %.2f MB, "
                            "file-backed %.2f MB; PSS %.2f MB)\n",
                            guard_mb, guard_peak->anon_kb / 1024.0, guard_peak->file_kb / 1024.0,
                            guard_peak->pss_kb / 1024.0);
                std::printf("  anonymous memory     agent %.2f MB, usbguard-daemon %.2f MB (%.2fx)\n",
                            peak.anon_kb / 1024.0, guard_peak->anon_kb / 1024.0,
                            static_cast<double>(peak.anon_kb) / std::max(1L, guard_peak->anon_kb));
                usbguard->kill(SIGTERM);
            }
            std::printf("\n");
            std::printf("  peak RSS %.2f MB   target <= 8 MB   %s\n", rss_mb, rss_mb <= 8 ? "met" : "MISSED");
            if (usbguard)
                std::printf("  ratio agent / usbguard-daemon peak RSS  %.2f   target <= 0.67   %s\n", rss_mb / guard_mb,
                            rss_mb / guard_mb <= 0.67 ? "met" : "MISSED");
            std::printf("  CPU      %.4f %%   target <= 0.1 %%   %s\n", cpu_pct, cpu_pct <= 0.1 ? "met" : "MISSED");
            if (exit_status != 0 || delivered == 0) rc = 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "footprint_bench: %s\n", e.what());
        rc = 1;
    }
    if (!keep && dir_arg.empty()) std::filesystem::remove_all(work);
    return rc;
}
