#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "mamori/platform/Session.h"

namespace mamori::platform {

struct SessionChange {
    enum class Kind { Logon, Logoff, LogonFailed };
    Kind kind = Kind::Logon;
    Session session;
    int64_t time_unix = 0;  // when it happened, as the OS recorded it
};

// Logons, logoffs and failed logons as they happen, and the sessions active now.
class SessionMonitor {
public:
    using Listener = std::function<void(const SessionChange&)>;

    virtual ~SessionMonitor() = default;

    // Reports every change from now on, on the executor the monitor was made with. Sessions
    // that were already active are not reported as logons: they are in active().
    virtual void start(Listener listener) = 0;

    // Sessions whose leader is still alive (a crashed login can leave a stale record behind).
    virtual std::vector<Session> active() const = 0;

    // Ends the session: hang-up to its leader, then kill if it is still there a moment later.
    // false when there was no such process.
    virtual bool logoff(const Session& session) = 0;
};

struct SessionFiles {
    std::filesystem::path utmp = "/var/run/utmp";  // who is logged on now
    std::filesystem::path btmp = "/var/log/btmp";  // failed logons, appended
};

std::unique_ptr<SessionMonitor> sessionMonitor(boost::asio::any_io_executor executor, SessionFiles files);

}  // namespace mamori::platform
