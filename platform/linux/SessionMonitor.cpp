// Which session monitor a terminal gets: logind's where it runs, utmp's everywhere else.
#include "LogindSessionMonitor.h"
#include "UtmpSessionMonitor.h"
#include "mamori/common/Log.h"

namespace mamori::platform {

std::unique_ptr<SessionMonitor> sessionMonitor(boost::asio::any_io_executor executor, SessionFiles files) {
    std::string why;
    if (auto logind = LogindSessionMonitor::create(executor, files, why)) {
        static bool said = false;
        if (!std::exchange(said, true)) Log::info("sessions: followed through logind on the system bus");
        return logind;
    }
    // Each control makes its own monitor; the reason is the same for all of them.
    static bool said = false;
    if (!std::exchange(said, true))
        Log::info("sessions: " + why + "; logons and logoffs are read from " + files.utmp.string() +
                  ", without logind's idle hints and session lock");
    return std::make_unique<UtmpSessionMonitor>(executor, std::move(files));
}

}  // namespace mamori::platform
