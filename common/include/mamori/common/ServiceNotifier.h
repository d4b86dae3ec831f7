#pragma once
#include <chrono>
#include <optional>
#include <string_view>

namespace mamori::common {

// Tells the service manager (systemd, Type=notify) how the daemon is doing, through the socket
// NOTIFY_SOCKET names: ready once it serves, alive while its main loop turns, stopping when it
// ends. Without NOTIFY_SOCKET (a test, a shell, another init) every call does nothing.
class ServiceNotifier {
public:
    // READY=1, with a one-line STATUS= for `systemctl status` when given.
    static void ready(std::string_view status = {});
    static void stopping();
    static void watchdog();
    // How often watchdog() must be called: half of WATCHDOG_USEC, when the service manager
    // watches this process (WATCHDOG_PID unset or this pid); nullopt when nobody watches.
    static std::optional<std::chrono::microseconds> watchdogInterval();
};

}  // namespace mamori::common
