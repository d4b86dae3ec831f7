#pragma once
#include <chrono>
#include <memory>

#include "agent/AgentConfig.h"

namespace mamori::agent {

// The resident daemon: one io_context, one thread. Wires the journal, the policy in force, the
// uploader and (as they are added) the controls, and reports its own lifecycle as events.
class Agent {
public:
    explicit Agent(AgentConfig config);
    ~Agent();
    // What run() returns when the daemon has just enrolled and must start anew under its
    // identity (main re-executes itself).
    static constexpr int kRestart = 75;

    int run();  // until SIGTERM/SIGINT; 0, or kRestart
    // For the package's removal, with the daemon stopped: records AGENT_UNINSTALLED and delivers
    // the journal to the collector. Returns 0 when all of it was acknowledged within timeout.
    int farewell(std::chrono::seconds timeout);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mamori::agent
