// Screen lock under a real X server (Xvfb): (1) the delay from the moment a display's idle
// time reaches the threshold to the moment the lock command starts, over many lock cycles;
// (2) what staying idle costs: the hours, screen-lock and clock controls on a reactor of their
// own, then the real mamori-agent with every control, both watching an idle display: wake-ups
// (voluntary context switches, i.e. returns from epoll_wait) and CPU time over a minute.
// Baseline measured in the same run: starting a trivial command (/bin/sh -c true), the floor
// under any lock delay.
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "BenchOptions.h"
#include "LatencyStats.h"
#include "agent/ClockWatch.h"
#include "agent/HoursControl.h"
#include "agent/IdleLock.h"
#include "agent/ScreenLockControl.h"
#include "agent/WorkPool.h"
#include "mamori/policy/PolicyLoader.h"
#include "mamori/platform/CommandRunner.h"
#include "mamori/platform/LocalDisplay.h"
#include "mamori/common/Log.h"
#include "tests/integration/XvfbServer.h"
#include "tests/support/JournalProbe.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

int64_t nowNs(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Lines "DISPLAY REALTIME_NS" written by the lock command, newest last.
std::vector<int64_t> lockTimes(const fs::path& file) {
    std::vector<int64_t> out;
    std::ifstream in(file);
    std::string display;
    int64_t t;
    while (in >> display >> t) out.push_back(t);
    return out;
}

struct ProcessCost {
    uint64_t wakeups = 0;  // voluntary context switches, all threads
    uint64_t cpu_ticks = 0;
};

// Voluntary context switches (returns from a blocking wait: wake-ups) and CPU ticks of one
// thread, from /proc/.../task/TID.
ProcessCost costOf(const fs::path& task) {
    ProcessCost c;
    std::ifstream status(task / "status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("voluntary_ctxt_switches:", 0) == 0) c.wakeups += std::stoull(line.substr(24));
    std::ifstream stat(task / "stat");
    std::string s((std::istreambuf_iterator<char>(stat)), {});
    std::istringstream fields(s.substr(s.rfind(')') + 2));
    std::string f;
    for (int i = 3; i <= 15 && fields >> f; ++i)
        if (i == 14 || i == 15) c.cpu_ticks += std::stoull(f);
    return c;
}

ProcessCost costOfProcess(pid_t pid) {
    ProcessCost c;
    for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
        auto t = costOf(task.path());
        c.wakeups += t.wakeups;
        c.cpu_ticks += t.cpu_ticks;
    }
    return c;
}

// As the agent opens a display: connected on a worker, handed over on the reactor.
std::unique_ptr<mamori::platform::LocalDisplay> openDisplay(boost::asio::io_context& io, mamori::agent::WorkPool& pool,
                                                            const std::string& name) {
    std::unique_ptr<mamori::platform::LocalDisplay> display;
    bool done = false;
    mamori::platform::openLocalDisplay(io.get_executor(), pool.executor(), name, {}, [&](auto d) {
        display = std::move(d);
        done = true;
    });
    while (!done) io.run_one();
    return display;
}

int lockDelay(int cycles, int threshold_ms, const fs::path& work) {
    mamori::test::XvfbServer x;
    boost::asio::io_context io;
    // The reactor must not stop between measurements when it momentarily has nothing to do.
    auto keep_running = boost::asio::make_work_guard(io);
    auto clock = mamori::platform::systemClock();
    mamori::test::JournalProbe probe(*clock);
    auto runner = mamori::platform::commandRunner(io.get_executor());
    const auto locks = work / "locks";
    // bash's EPOCHREALTIME: the time stamp costs no extra process, so it is taken as the
    // command starts rather than after another fork.
    std::ofstream(work / "lock.sh") << "#!/bin/bash\necho \"$DISPLAY ${EPOCHREALTIME/./}000\" >> '" << locks.string()
                                    << "'\nexec xset s activate\n";
    fs::permissions(work / "lock.sh", fs::perms::owner_all);

    // Baseline: a command that does nothing, started the same way.
    mamori::bench::LatencyStats spawn;
    for (int i = 0; i < 20; ++i) {
        bool done = false;
        auto t0 = Steady::now();
        runner->run({"/bin/sh", "-c", "true"}, {}, [&](const auto&) { done = true; });
        while (!done) io.run_one();
        spawn.add(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
    }

    mamori::v1::Policy policy;
    policy.mutable_screen_lock()->set_lock_command((work / "lock.sh").string());
    mamori::agent::AgentConfig config;
    mamori::agent::IdleLock::Settings settings;
    settings.threshold = std::chrono::milliseconds(threshold_ms);
    settings.audit = false;
    settings.command = std::make_shared<mamori::agent::LockCommand>(policy, config);
    mamori::agent::WorkPool pool("mamori-work", 1);
    auto probe_display = openDisplay(io, pool, x.display());
    auto watched = openDisplay(io, pool, x.display());
    if (!probe_display || !watched) {
        std::fprintf(stderr, "cannot open %s\n", x.display().c_str());
        return 1;
    }
    mamori::agent::IdleLock lock(io.get_executor(), std::move(watched), probe.sink(), *runner, settings);
    const int64_t realtime_minus_steady = nowNs(CLOCK_REALTIME) - nowNs(CLOCK_MONOTONIC);

    mamori::bench::LatencyStats delay;
    x.input();
    lock.start();
    for (int i = 0; i < cycles; ++i) {
        x.input();  // unlocks, and starts the idle period being measured
        auto idle = probe_display->idle();
        if (!idle) return 1;
        // When the server last saw input, on CLOCK_MONOTONIC (the X server's clock too).
        int64_t last_input = nowNs(CLOCK_MONOTONIC) - std::chrono::duration_cast<std::chrono::nanoseconds>(*idle).count();
        int64_t threshold_at = last_input + int64_t{threshold_ms} * 1'000'000;
        size_t before = lockTimes(locks).size();
        auto limit = Steady::now() + std::chrono::milliseconds(threshold_ms) + 10s;
        while (lockTimes(locks).size() == before && Steady::now() < limit) io.run_for(5ms);
        auto times = lockTimes(locks);
        if (times.size() == before) {
            std::fprintf(stderr, "cycle %d: no lock within 10 s of the threshold\n", i);
            return 1;
        }
        delay.add(static_cast<double>(times.back() - realtime_minus_steady - threshold_at) / 1e6);
    }
    std::printf("lock delay (threshold %d ms, %d cycles, Xvfb %s)\n", threshold_ms, cycles, x.display().c_str());
    std::printf("  threshold -> lock command: p50 %.1f ms  p95 %.1f ms  max %.1f ms  (target p95 <= 1000 ms)\n",
                delay.percentile(50), delay.percentile(95), delay.max());
    std::printf("  baseline, starting /bin/sh -c true: p50 %.1f ms  p95 %.1f ms\n", spawn.percentile(50),
                spawn.percentile(95));
    std::printf("  ratio lock delay p50 / spawn p50: %.2f\n", delay.percentile(50) / std::max(spawn.percentile(50), 0.001));
    std::printf("  SCREEN_LOCKED events journaled: %zu\n", probe.events(mamori::v1::SCREEN_LOCKED).size());
    return delay.percentile(95) <= 1000 ? 0 : 3;
}

// The controls of this benchmark's concern (hours, screen lock, clock) on a reactor of their
// own in this process, built exactly as the agent builds them: every wake-up of this thread
// is theirs.
ProcessCost controlsIdle(int seconds, const fs::path& work, const std::string& display) {
    boost::asio::io_context io;
    auto clock = mamori::platform::systemClock();
    mamori::test::JournalProbe probe(*clock);
    mamori::agent::AgentConfig config;
    config.utmp_file = work / "utmp";
    config.btmp_file = work / "btmp";
    config.displays = {display};
    config.lock_command = "true";
    mamori::agent::WorkPool pool("mamori-work", 1);
    mamori::agent::ControlContext ctx{io.get_executor(), probe.sink(), *clock, config, pool.executor()};
    std::vector<std::unique_ptr<mamori::agent::Control>> controls;
    controls.push_back(mamori::agent::HoursControl::create(ctx));
    controls.push_back(mamori::agent::ScreenLockControl::create(ctx));
    controls.push_back(mamori::agent::ClockWatch::create(ctx));
    for (auto& c : controls) c->apply(mamori::policy::PolicyLoader::builtInDefault());
    io.run_for(2s);  // start-up: display opened, settings audited
    const std::string self = "/proc/self/task/" + std::to_string(gettid());
    // run(), as the agent does: run_for() would itself wake the thread every second.
    boost::asio::steady_timer stop(io, std::chrono::seconds(seconds));
    stop.async_wait([&](const boost::system::error_code&) { io.stop(); });
    io.restart();
    auto before = costOf(self);
    io.run();
    auto after = costOf(self);
    return {after.wakeups - before.wakeups, after.cpu_ticks - before.cpu_ticks};
}

ProcessCost agentIdle(int seconds, const fs::path& work, const std::string& display, const std::string& agent_bin) {
    const auto state = work / "state";
    fs::create_directories(state);
    std::ofstream(work / "agent.conf") << "state_dir = " << state.string() << "\nutmp_file = " << (work / "utmp").string()
                                       << "\nbtmp_file = " << (work / "btmp").string() << "\ndisplays = " << display
                                       << "\nlock_command = true\n";
    pid_t pid = fork();
    if (pid == 0) {
        freopen((work / "agent.log").c_str(), "w", stderr);
        execl(agent_bin.c_str(), agent_bin.c_str(), "run", "--config", (work / "agent.conf").c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    std::this_thread::sleep_for(2s);
    auto before = costOfProcess(pid);
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    auto after = costOfProcess(pid);
    ::kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    return {after.wakeups - before.wakeups, after.cpu_ticks - before.cpu_ticks};
}

int idleCost(int seconds, const fs::path& work, const std::string& agent_bin) {
    mamori::test::XvfbServer x;
    x.input();
    std::ofstream(work / "utmp").flush();
    std::ofstream(work / "btmp").flush();
    const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
    auto print = [&](const char* what, const ProcessCost& c) {
        std::printf("  %s: %llu wake-ups (%.2f per minute), CPU %.0f ms\n", what,
                    static_cast<unsigned long long>(c.wakeups), 60.0 * static_cast<double>(c.wakeups) / seconds,
                    1000.0 * static_cast<double>(c.cpu_ticks) / hz);
    };
    std::printf("idle cost over %d s, display %s idle, built-in policy (screen lock after 5 min)\n", seconds,
                x.display().c_str());
    print("hours + screen lock + clock controls", controlsIdle(seconds, work, x.display()));
    print("whole mamori-agent, all controls", agentIdle(seconds, work, x.display(), agent_bin));
    std::printf("  baseline: a 1 Hz idle poller wakes %d times\n", seconds);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int cycles = 30, threshold_ms = 1000, seconds = 60;
    std::string agent_bin = std::string(MAMORI_BINARY_DIR) + "/agent/mamori-agent";
    bool skip_idle = false;
    po::options_description opts("lock_delay_bench: screen-lock delay and idle cost under Xvfb");
    opts.add_options()("help,h", "show this help")
        ("cycles", po::value(&cycles), "lock cycles to measure (default 30)")
        ("threshold-ms", po::value(&threshold_ms), "idle threshold in milliseconds (default 1000)")
        ("seconds", po::value(&seconds), "how long to watch the idle agent (default 60)")
        ("agent", po::value(&agent_bin), "the mamori-agent binary (default: the one of this build)")
        ("no-idle", po::bool_switch(&skip_idle), "measure only the lock delay");
    po::variables_map vm;
    if (int rc = mamori::bench::parseCommandLine(opts, argc, argv, vm); rc >= 0) return rc;
    mamori::Log::setLevel(mamori::Log::Level::Warn);
    const fs::path work = mamori::bench::workDirectory("", "lock-bench");
    int rc = lockDelay(cycles, threshold_ms, work);
    if (rc == 0 && !skip_idle) rc = idleCost(seconds, work, agent_bin);
    std::error_code ec;
    fs::remove_all(work, ec);
    return rc;
}
