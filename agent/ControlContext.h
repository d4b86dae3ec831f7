#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <string>

#include "agent/AgentConfig.h"
#include "agent/EventSink.h"
#include "mamori/platform/Clock.h"
#include "mamori/platform/ProcessWatch.h"

namespace mamori::agent {

class UserNotice;

// What every control is built with: the agent's reactor, where controls live and decide (so they
// need no locks), the event sink, the clock, the agent's configuration (paths that tests point at
// temp files), and the threads the agent lends for what must not run on the reactor.
struct ControlContext {
    boost::asio::any_io_executor executor;  // the reactor
    EventSink& sink;
    const mamori::platform::Clock& clock;
    const AgentConfig& config;
    // The agent's blocking-work pool, shared by every control: reading a program for its
    // digests, the package database, a scan, giving memory back. Results are posted back to the
    // reactor. The agent stops it before any control is destroyed.
    boost::asio::any_io_executor work{};
    // Starts the exec watch's reader, a thread of its own that the agent names.
    mamori::platform::StartThread exec_watch_reader{};
    // This terminal's own id (its enrollment identity; the host name of a standalone terminal),
    // against which controls check an exception's scope (ExceptionScope).
    std::string terminal_id{};
    // Tells the person at the terminal what a control did to them; null where nobody is told
    // (tests of one control, a terminal without desktops).
    UserNotice* notice = nullptr;
};

}  // namespace mamori::agent
