#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mamori/platform/Session.h"

namespace mamori::platform {

struct SessionChange {
    enum class Kind { Logon, Logoff, LogonFailed };
    Kind kind = Kind::Logon;
    Session session;
    int64_t time_unix = 0;  // when it happened, as the OS recorded it
    // LogonFailed: how far btmp is read once this attempt is, as FailedLogons writes it. The
    // listener journals it with its report (SessionFiles::journaled_position reads it back), so
    // the report and "read up to here" are durable together or not at all.
    std::string position;
};

// Logons, logoffs and failed logons as they happen, the sessions active now, and, where the OS
// tracks them (logind), each session's idle time and a way to lock it.
class SessionMonitor {
public:
    using Listener = std::function<void(const SessionChange&)>;
    using LockDone = std::function<void(bool locked, const std::string& detail)>;

    virtual ~SessionMonitor() = default;

    // Reports every change from now on, on the executor the monitor was made with. Sessions
    // that were already active are not reported as logons: they are in active().
    virtual void start(Listener listener) = 0;

    // Sessions whose leader is still alive (a crashed login can leave a stale record behind).
    virtual std::vector<Session> active() const = 0;

    // Ends the session: through logind, or a hang-up to its leader and a kill if it is still
    // there a moment later. false when there was no such session or process.
    virtual bool logoff(const Session& session) = 0;

    // How long the session has had no input, as the OS last announced it (logind's IdleHint and
    // IdleSinceHint); nullopt when the OS does not track it for this session.
    virtual std::optional<std::chrono::milliseconds> idle(const Session& session) const = 0;

    // Asks the session's own screen locker to lock it (logind's LockSession). false at once
    // when the OS offers no such thing, and the caller uses its lock command instead; else done
    // is called on the executor once the OS has answered.
    virtual bool lock(const Session& session, LockDone done) = 0;
};

struct SessionFiles {
    std::filesystem::path utmp = "/var/run/utmp";  // who is logged on now
    std::filesystem::path btmp = "/var/log/btmp";  // failed logons, appended
    // Where the read position in btmp is kept across restarts, so that failed logons made while
    // the agent was not running are reported when it starts again. Empty: not kept (the
    // position starts at the file's end).
    std::filesystem::path btmp_position;
    // The position journaled with the last attempt reported (SessionChange::position), if any.
    // A start resumes from the later of it and btmp_position: an agent killed after journaling
    // an attempt but before saving btmp_position does not read that attempt again.
    std::function<std::optional<std::string>()> journaled_position;
};

// logind's view where a system bus with logind is there, else utmp's (said once in the log);
// failed logons come from btmp either way.
std::unique_ptr<SessionMonitor> sessionMonitor(boost::asio::any_io_executor executor, SessionFiles files);

}  // namespace mamori::platform
