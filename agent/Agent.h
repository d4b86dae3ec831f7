#pragma once
#include <memory>

#include "agent/AgentConfig.h"

namespace mamori::agent {

// The resident daemon: one io_context, one thread. Wires the journal, the policy in force, the
// uploader and (as they are added) the controls, and reports its own lifecycle as events.
class Agent {
public:
    explicit Agent(AgentConfig config);
    ~Agent();
    int run();  // until SIGTERM/SIGINT

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mamori::agent
