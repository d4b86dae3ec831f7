#include "agent/Agent.h"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <date/date.h>

#include "agent/AgentIdentity.h"
#include "agent/CertificateRenewal.h"
#include "agent/AgentStatus.h"
#include "agent/Controls.h"
#include "agent/EnrollmentRetry.h"
#include "agent/EventSink.h"
#include "agent/Journal.h"
#include "agent/PolicyKeeper.h"
#include "agent/UnenrolledJournal.h"
#include "agent/Uploader.h"
#include "agent/WorkPool.h"
#include "mamori/platform/FileWatch.h"
#include "mamori/platform/ResidentMemory.h"
#include "mamori/platform/ThisProcess.h"
#include "mamori/common/FileLock.h"
#include "mamori/common/Files.h"
#include "mamori/common/Log.h"
#include "mamori/common/ServiceNotifier.h"
#include "mamori/common/ServiceWatchdog.h"
#include "mamori/common/UserError.h"

namespace mamori::agent {

namespace asio = boost::asio;

namespace {
// Two, as the software control's own hashing pool had: an exec whose program must be read is
// not queued behind one slow read, nor behind the memory release or a package database reload.
constexpr size_t kWorkThreads = 2;

// Present from a daemon's start until it has journaled AGENT_STOPPING: found at a start, it
// means the last run ended without a clean stop.
constexpr const char* kRunningMarker = "agent.running";

std::string utcText(int64_t utc_ns) {
    const date::sys_time<std::chrono::seconds> t{
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::nanoseconds(utc_ns))};
    return date::format("%FT%TZ", t);
}
}  // namespace

struct Agent::Impl {
    AgentConfig config;
    // Declared before everything that opens files in the state directory, so released after
    // all of them are closed.
    std::optional<mamori::common::FileLock> state_lock;
    asio::io_context io;
    std::unique_ptr<mamori::platform::Clock> clock = mamori::platform::systemClock();
    std::optional<AgentIdentity> identity;
    std::unique_ptr<Journal> journal;
    std::unique_ptr<EventSink> sink;
    std::unique_ptr<PolicyKeeper> policy;
    std::unique_ptr<Controls> controls;
    std::unique_ptr<Uploader> uploader;
    std::unique_ptr<EnrollmentRetry> enrollment;
    std::unique_ptr<mamori::platform::FileWatch> profile_watch;
    AgentStatus status;
    bool restart = false;
    asio::signal_set signals{io, SIGINT, SIGTERM, SIGHUP};
    asio::steady_timer heartbeat{io}, shutdown_deadline{io}, memory_release{io};
    // On the reactor: a reactor that hangs stops the pings, and systemd restarts the agent.
    mamori::common::ServiceWatchdog watchdog{io.get_executor()};
    std::chrono::steady_clock::time_point memory_released{};
    // Every thread besides the reactor (this process's main thread) is started here and named
    // for `top -H`: the blocking-work pool, the enrollment worker while one is pending, and the
    // exec watch's reader (started by the platform through the hook controls are given).
    WorkPool work{"mamori-work", kWorkThreads};
    std::optional<WorkPool> enroll_worker;

    explicit Impl(AgentConfig c) : config(std::move(c)) {}

    // SIGTERM and SIGINT stop the agent; a SIGHUP (systemctl reload, a stray kill -HUP) must not,
    // or the terminal would run unguarded until the next restart.
    void waitForSignal() {
        signals.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            if (sig != SIGHUP) return shutdown("signal " + std::to_string(sig));
            Log::info("SIGHUP: agent.conf is read at start (restart the service to apply it); a policy arrives "
                      "from the collector, and a standalone profile is applied as soon as it is saved");
            waitForSignal();
        });
    }

    // The workers stop first: work under way finishes, work not started is dropped, and nothing
    // on them still uses a control or the enrollment when those go.
    ~Impl() {
        work.stop();
        if (enroll_worker) enroll_worker->stop();
    }

    static mamori::platform::StartThread namedThread(const char* name) {
        return [name](std::function<void()> body) {
            return std::thread([name, body = std::move(body)] {
                mamori::platform::nameThisThread(name);
                body();
            });
        };
    }

    mamori::v1::EventBody lifecycle(mamori::v1::EventType type, const std::string& reason = {}) {
        mamori::v1::EventBody b;
        b.set_type(type);
        b.set_control(mamori::v1::AGENT);
        auto* d = b.mutable_agent();
        d->set_agent_version(MAMORI_VERSION);
        d->set_hostname(mamori::platform::hostName());
        d->set_reason(reason);
        return b;
    }


    // For the journal: the event a log line is about (journalctl MAMORI_EVENT=POLICY_REJECTED).
    LogFields about(const mamori::v1::EventBody& b, uint64_t seq) const {
        return {.terminal = status.terminal_id, .event = mamori::v1::EventType_Name(b.type()), .seq = seq};
    }

    void policyEvent(const PolicyKeeper::Verdict& v) {
        mamori::v1::EventBody b;
        b.set_control(mamori::v1::AGENT);
        b.set_type(v.accepted ? mamori::v1::POLICY_APPLIED : mamori::v1::POLICY_REJECTED);
        b.set_violation(!v.accepted);
        b.set_policy_version(policy->version());
        auto* d = b.mutable_policy();
        d->set_version(v.version);
        d->set_name(v.name);
        d->set_reason(v.reason);
        const uint64_t seq = sink->emit(b);
        if (v.accepted) {
            sink->setPolicyVersion(policy->version());
            status.policy_version = policy->version();
            status.policy_name = policy->current().name();
            status.heartbeat_minutes = heartbeatMinutes();
            Log::info("policy '" + v.name + "' version " + std::to_string(v.version) + " in force", about(b, seq));
        } else {
            Log::warn("policy version " + std::to_string(v.version) + " refused: " + v.reason, about(b, seq));
        }
    }

    // The policy's, or an hour: `mamori-agent status` judges the last upload by it.
    uint32_t heartbeatMinutes() const {
        const auto minutes = policy->current().reporting().heartbeat_minutes();
        return minutes ? minutes : 60;
    }

    void scheduleHeartbeat() {
        heartbeat.expires_after(std::chrono::minutes(heartbeatMinutes()));
        heartbeat.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            sink->emit(lifecycle(mamori::v1::HEARTBEAT));
            scheduleHeartbeat();
        });
    }

    // Start-up (policy, package database, the first scan and sync) and every burst since (a
    // sync's TLS handshake, a program digested, a USB stick, a new policy) leave freed heap and
    // code mappings that the idle agent does not use. They go back to the system when the
    // uploader falls idle, 10 s after start and then each minute, so the agent's resident set is
    // what it uses, not the most it ever touched.
    // burst_end: the uploader fell idle. Of a burst of syncs only the first end gives back; the
    // timer always does, or an early sync at start-up (before the package database is read)
    // would stand in for the release 10 s after start.
    void releaseMemory(bool burst_end) {
        const auto now = std::chrono::steady_clock::now();
        if (burst_end && now - memory_released < std::chrono::seconds(10)) return;
        memory_released = now;
        // Off the reactor: on a slow machine the walk takes tens of milliseconds, and a decision
        // (a USB stick waiting to be judged) must never wait for housekeeping.
        asio::post(work.executor(), [this] {
            const auto start = std::chrono::steady_clock::now();
            auto r = mamori::platform::ResidentMemory::release();
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - start).count();
            Log::debug("gave back " + std::to_string(r.heap_kb) + " kB of heap and the mappings of " +
                       std::to_string(r.mapped_kb) + " kB of code and constants in " + std::to_string(us) + " µs");
            // The next stick's decision would fault its code back in while someone waits; the
            // reactor walks that path now instead (a stick plugged meanwhile is simply first).
            asio::post(io, [this] {
                if (controls) controls->warm();
            });
        });
    }

    void scheduleMemoryRelease(std::chrono::seconds after = std::chrono::minutes(1)) {
        memory_release.expires_after(after);
        memory_release.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            releaseMemory(false);
            scheduleMemoryRelease();
        });
    }

    void shutdown(const std::string& why) {
        Log::info(why + ": stopping");
        // A restart after enrolling re-executes this process, which stays the service: it says
        // READY again and is never told apart from a start.
        if (!restart) mamori::common::ServiceNotifier::stopping();
        watchdog.stop();
        sink->emit(lifecycle(mamori::v1::AGENT_STOPPING, why));
        heartbeat.cancel();
        memory_release.cancel();
        if (enrollment) enrollment->stop();
        // Give the uploader a moment to deliver the last events; what it cannot stays journaled.
        auto stop = [this] {
            if (uploader) uploader->stop();
            shutdown_deadline.cancel();
            io.stop();
        };
        shutdown_deadline.expires_after(std::chrono::seconds(3));
        shutdown_deadline.async_wait([stop](const boost::system::error_code& ec) {
            if (!ec) stop();
        });
        if (uploader) uploader->onDrained(stop);
        else stop();
    }

    // One agent per state directory: a second one would extend the same chain from a stale head
    // (a forked chain the collector must refuse) and report every control twice. Taken before
    // any other file in the directory is opened, and held until this object goes.
    void lockStateDirectory() {
        const auto& dir = config.state_dir;
        mamori::common::FileLock::Holder holder;
        state_lock = mamori::common::FileLock::tryExclusive(dir / kLockFile, holder);
        if (state_lock) return;
        const std::string who = holder.pid ? "pid " + std::to_string(holder.pid) : "its pid unknown";
        throw mamori::common::UserError::busy(
            "another mamori-agent (" + who + ") is already working on the state directory " + dir.string() +
                "; only one agent may use it. Stop that one first (systemctl stop mamori-agent), or give this one "
                "its own --state-dir.",
            "状態ディレクトリ " + dir.string() + " は別の mamori-agent（" +
                (holder.pid ? "pid " + std::to_string(holder.pid) : "pid 不明") +
                "）が使用中です。1つの状態ディレクトリを使えるエージェントは1つだけです。先にそれを停止する"
                "（systemctl stop mamori-agent）か、このエージェントに別の --state-dir を指定してください。");
    }

    // The journal, the policy in force and, when enrolled, the uploader: what both the daemon and
    // the farewell of an uninstalled agent need. Controls are the daemon's alone.
    void open() {
        const auto& dir = config.state_dir;
        std::filesystem::create_directories(dir);
        if (!state_lock) lockStateDirectory();
        // A certificate renewal a crash interrupted is finished before the identity is read.
        CertificateRenewal(dir).recover();
        identity = AgentIdentity::load(dir);
        auto key = AgentIdentity::ensureKey(dir);
        std::string terminal_id = identity ? identity->terminal_id : "unenrolled";
        if (identity) {
            if (auto moved = UnenrolledJournal::adopt(dir, key, config.journal_max_bytes, terminal_id))
                Log::info(std::to_string(moved) + " events journaled before enrollment now report as " + terminal_id);
        }
        journal = std::make_unique<Journal>(dir / "journal.db", key, config.journal_max_bytes);
        sink = std::make_unique<EventSink>(*journal, *clock, terminal_id);
        std::optional<mamori::proto::Ed25519Key> policy_key;
        if (identity) policy_key = mamori::proto::Ed25519Key::fromPublicRaw(identity->policy_public_key);
        policy = std::make_unique<PolicyKeeper>(dir, terminal_id, policy_key);
        if (!identity && !config.policy_file.empty()) policy->useLocalProfile(config.policy_file);
        status.enrolled = identity.has_value();
        status.terminal_id = terminal_id;
        status.pid = static_cast<int>(mamori::platform::processId());
        if (!identity) return;
        uploader = std::make_unique<Uploader>(
            io.get_executor(), *journal, *identity, config.collectors, *clock, status, dir,
            [this](const mamori::v1::SyncResponse& res) {
                if (res.has_policy() && controls) policyEvent(policy->offer(res.policy(), applier()));
            },
            [this] { return policy->version(); });
        sink->onAppended([this] { uploader->notify(); });
        uploader->onIdle([this] { releaseMemory(true); });
    }

    PolicyKeeper::Apply applier() {
        return [this](const mamori::v1::Policy& p, std::string& why) {
            if (!controls->apply(p, why)) return false;
            // Taken with the policy: the POLICY_APPLIED that follows is the first append under it.
            journal->setCap(config.journalCap(p.reporting()));
            return true;
        };
    }

    // Whether the last run ended without a clean stop. The marker is created durably before the
    // journal is opened and stays until a clean stop removes it, so a run killed at any moment
    // after this leaves it behind.
    bool markRunning() {
        const auto marker = config.state_dir / kRunningMarker;
        if (std::filesystem::exists(marker)) return true;
        mamori::common::Files::writeAtomic(marker, std::to_string(mamori::platform::processId()) + "\n", 0600);
        return false;
    }

    // After AGENT_STOPPING is journaled: the next start is not an unclean one.
    void markStopped() {
        const auto marker = config.state_dir / kRunningMarker;
        std::filesystem::remove(marker);
        mamori::common::Files::syncDirectory(config.state_dir);
    }

    void reportUncleanStop() {
        const int64_t last = journal->stats().head_utc_ns;
        auto b = lifecycle(mamori::v1::AGENT_UNCLEAN_STOP,
                           "the last run ended without a clean stop (killed, crashed or power lost); " +
                               (last ? "its last event was journaled at " + utcText(last)
                                     : std::string("no event of it is known")));
        b.mutable_agent()->set_last_event_utc_ns(last);
        Log::warn(b.agent().reason(), about(b, sink->emit(b)));
    }

    int run() {
        const auto& dir = config.state_dir;
        std::filesystem::create_directories(dir);
        lockStateDirectory();
        const bool unclean = markRunning();
        open();
        if (unclean) reportUncleanStop();
        // Exceptions are scoped to the enrolled identity; a standalone terminal's local profile
        // names it by its host name, the id it would be enrolled under.
        const std::string scope_id = identity ? identity->terminal_id : mamori::platform::hostName();
        controls = std::make_unique<Controls>(ControlContext{io.get_executor(), *sink, *clock, config, work.executor(),
                                                             namedThread("mamori-fanotify"), scope_id});
        sink->emit(lifecycle(mamori::v1::AGENT_STARTED));
        const auto started = policy->start(applier());
        if (const auto& refused = policy->refusedAtStart()) policyEvent(*refused);
        policyEvent(started);

        if (uploader) {
            uploader->start();
        } else if (auto pending = PendingEnrollment::load(dir)) {
            Log::warn("not enrolled yet: the built-in default policy is in force; enrolling with " + pending->collector +
                      " in the background");
            enroll_worker.emplace("mamori-enroll", 1);
            enrollment = std::make_unique<EnrollmentRetry>(
                io.get_executor(), enroll_worker->executor(), dir, *pending,
                [this] {
                    restart = true;
                    shutdown("enrolled");
                },
                [this](const std::string& why) {
                    // `mamori-agent status` says why the terminal is still unenrolled.
                    status.last_error = why;
                    status.saveOrWarn(config.state_dir);
                });
            enrollment->start();
        }
        if (!uploader && !config.policy_file.empty()) {
            // A standalone terminal's profile is changed by editing it: applied at once, and a
            // profile with errors is refused with file:line while the one in force stays.
            profile_watch = mamori::platform::fileWatch(io.get_executor());
            profile_watch->watch(config.policy_file, [this] { policyEvent(policy->reloadLocalProfile(applier())); });
        }
        if (!uploader && !enrollment) {
            Log::warn(std::string("not enrolled: ") +
                      (config.policy_file.empty() ? "the built-in default policy" : "the local profile (policy_file)") +
                      " is in force and events stay on this terminal "
                      "(enroll with: mamori-agent enroll --collector URL --token TOKEN)");
        }
        scheduleHeartbeat();
        scheduleMemoryRelease(std::chrono::seconds(10));
        waitForSignal();
        status.heartbeat_minutes = heartbeatMinutes();
        status.save(dir);  // with this pid: the daemon is up and handles SIGTERM from here on
        // Every control has applied the policy in force and listens: the terminal is guarded.
        mamori::common::ServiceNotifier::ready(identity ? "guarding as " + identity->terminal_id
                                                        : std::string("guarding, not enrolled"));
        watchdog.start();
        io.run();
        markStopped();  // io.run() returns only after shutdown() journaled AGENT_STOPPING
        status.noteJournal(journal->stats());
        status.save(dir);
        return restart ? kRestart : 0;
    }

    int farewell(std::chrono::seconds timeout) {
        open();
        sink->emit(lifecycle(mamori::v1::AGENT_UNINSTALLED, "package removed"));
        if (!uploader) {
            Log::warn("not enrolled: AGENT_UNINSTALLED stays in the local journal");
            return 1;
        }
        bool drained = false;
        uploader->onDrained([&] {
            drained = true;
            shutdown_deadline.cancel();
            uploader->stop();
            io.stop();
        });
        shutdown_deadline.expires_after(timeout);
        shutdown_deadline.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            uploader->stop();
            io.stop();
        });
        uploader->start();
        io.run();
        auto stats = journal->stats();
        if (!drained) Log::warn(std::to_string(stats.depth) + " events could not be delivered before removal (last error: " + status.last_error + ")");
        return drained ? 0 : 1;
    }
};

Agent::Agent(AgentConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Agent::~Agent() = default;
int Agent::run() {
    // A peer gone mid-write (a collector killed, a child's pipe closed) is an error to handle where
    // it happens, never the death of the guard.
    ::signal(SIGPIPE, SIG_IGN);
    return impl_->run();
}
int Agent::farewell(std::chrono::seconds timeout) { return impl_->farewell(timeout); }

}  // namespace mamori::agent
