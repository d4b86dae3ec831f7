#pragma once
#include <boost/asio/any_io_executor.hpp>

#include "FailedLogons.h"
#include "Inotify.h"
#include "mamori/platform/SessionMonitor.h"

namespace mamori::platform {

// Sessions as the login programs record them in utmp, which every terminal has: the fallback
// where logind is not running. utmp knows nothing of idleness or locking.
class UtmpSessionMonitor final : public SessionMonitor {
public:
    UtmpSessionMonitor(boost::asio::any_io_executor executor, SessionFiles files);

    void start(Listener listener) override;
    std::vector<Session> active() const override;
    bool logoff(const Session& session) override;
    std::optional<std::chrono::milliseconds> idle(const Session&) const override { return std::nullopt; }
    bool lock(const Session&, LockDone) override { return false; }

private:
    void addWatches();
    void scan();

    boost::asio::any_io_executor executor_;
    SessionFiles files_;
    Inotify inotify_;
    FailedLogons failed_;
    Listener listener_;
    std::vector<Session> known_;
};

}  // namespace mamori::platform
