#include "mamori/common/ServiceNotifier.h"

#include <systemd/sd-daemon.h>

#include <string>

#include "mamori/common/Log.h"

namespace mamori::common {

namespace {
// The environment stays as it is (unset_environment 0): an agent that re-executes itself after
// enrolling is the same service, and its new image notifies through the same socket.
void notify(const std::string& state) {
    const int rc = sd_notify(0, state.c_str());
    if (rc < 0) Log::warn("cannot notify the service manager (" + state + "): error " + std::to_string(-rc));
}
}  // namespace

void ServiceNotifier::ready(std::string_view status) {
    std::string state = "READY=1";
    if (!status.empty()) state += "\nSTATUS=" + Log::sanitize(status, 512);
    notify(state);
}

void ServiceNotifier::stopping() { notify("STOPPING=1"); }

void ServiceNotifier::watchdog() { notify("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> ServiceNotifier::watchdogInterval() {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
    return std::chrono::microseconds(usec / 2);
}

}  // namespace mamori::common
