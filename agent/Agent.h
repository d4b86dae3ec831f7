#pragma once
#include <chrono>
#include <memory>

#include "agent/AgentConfig.h"

namespace mamori::agent {

// The resident daemon. Every decision and all state live on one io_context, the reactor, run by
// the process's main thread. The agent starts every other thread, names it and lends it to whoever
// needs it: the blocking-work pool (mamori-work: digests, the package database, scans, giving
// memory back), the exec watch's reader (mamori-fanotify, which must answer within the kernel's
// deadline whatever the reactor does) and, while an enrollment is pending, its worker
// (mamori-enroll). Wires the journal, the policy in force, the uploader and the controls, and
// reports its own lifecycle as events.
class Agent {
public:
    explicit Agent(AgentConfig config);
    ~Agent();
    // What run() returns when the daemon has just enrolled and must start anew under its
    // identity (main re-executes itself).
    static constexpr int kRestart = 75;
    // In the state directory, locked by the one agent working on it (run, farewell) as long as it
    // does: whether it is held says whether the daemon runs.
    static constexpr const char* kLockFile = "agent.lock";

    int run();  // until SIGTERM/SIGINT; 0, or kRestart
    // For the package's removal, with the daemon stopped: records AGENT_UNINSTALLED and delivers
    // the journal to the collector. Returns 0 when all of it was acknowledged within timeout.
    int farewell(std::chrono::seconds timeout);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mamori::agent
