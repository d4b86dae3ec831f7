#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <string>

#include "FailedLogons.h"
#include "SystemBus.h"
#include "mamori/platform/SessionMonitor.h"

namespace mamori::platform {

// Sessions as systemd-logind (org.freedesktop.login1) knows them: listed once, then followed
// through its SessionNew and SessionRemoved signals and each session's PropertiesChanged (its
// idle hint). Locks through LockSession (the session's own locker) and logs off through
// TerminateSession (every process of the session, not only its leader). Only messages from
// the name's current owner are believed: anyone on the bus may send a signal.
class LogindSessionMonitor final : public SessionMonitor {
public:
    // nullptr, with the reason in why, when there is no system bus or no logind on it.
    static std::unique_ptr<LogindSessionMonitor> create(boost::asio::any_io_executor executor, SessionFiles files,
                                                        std::string& why);
    ~LogindSessionMonitor() override;

    void start(Listener listener) override;
    std::vector<Session> active() const override;
    bool logoff(const Session& session) override;
    std::optional<std::chrono::milliseconds> idle(const Session& session) const override;
    bool lock(const Session& session, LockDone done) override;

    // One logind session: the public view and the hints kept from its properties.
    struct Entry {
        Session session;
        std::string path;
        std::string session_class = "user";  // "greeter" and "lock-screen" are not logons
        bool idle_hint = false;
        uint64_t idle_since_usec = 0;            // CLOCK_REALTIME
        uint64_t idle_since_monotonic_usec = 0;  // CLOCK_MONOTONIC; 0 when not given
    };

private:
    LogindSessionMonitor(boost::asio::any_io_executor executor, SessionFiles files, std::unique_ptr<SystemBus> bus);
    bool subscribe(std::string& why);
    bool listSessions(std::string& why);
    void fetch(const std::string& id, const std::string& path, bool announce);
    bool fromLogind(sd_bus_message* m) const;
    static int onSessionNew(sd_bus_message* m, void* self, sd_bus_error*);
    static int onSessionRemoved(sd_bus_message* m, void* self, sd_bus_error*);
    static int onPropertiesChanged(sd_bus_message* m, void* self, sd_bus_error*);
    static int onOwnerChanged(sd_bus_message* m, void* self, sd_bus_error*);
    void callManager(const char* method, const std::string& id, SystemBus::Reply reply);
    void report(SessionChange::Kind kind, const Session& s, int64_t when);

    std::unique_ptr<SystemBus> bus_;  // first: outlives the slots below
    FailedLogons failed_;
    Listener listener_;
    std::string owner_;  // logind's unique name on the bus
    std::map<std::string, Entry> sessions_;
    std::vector<sd_bus_slot*> matches_;
};

}  // namespace mamori::platform
