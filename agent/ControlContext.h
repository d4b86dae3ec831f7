#pragma once
#include <boost/asio/any_io_executor.hpp>

#include "agent/AgentConfig.h"
#include "agent/EventSink.h"
#include "mamori/platform/Clock.h"

namespace mamori::agent {

// What every control is built with: the agent's single reactor, the event sink, the clock, and
// the agent's configuration (paths that tests point at temp files).
struct ControlContext {
    boost::asio::any_io_executor executor;
    EventSink& sink;
    const mamori::platform::Clock& clock;
    const AgentConfig& config;
};

}  // namespace mamori::agent
