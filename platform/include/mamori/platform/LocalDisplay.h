#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace mamori::platform {

// A graphical display on this terminal (an X server): how long since its last input, the
// display's own screen-saver setting, and a wake-up on the next input.
class LocalDisplay {
public:
    virtual ~LocalDisplay() = default;
    virtual const std::string& name() const = 0;

    // nullopt when the display is gone.
    virtual std::optional<std::chrono::milliseconds> idle() = 0;

    // The server's own blanking/lock timeout; zero when it is switched off.
    virtual std::optional<std::chrono::seconds> screenSaverTimeout() = 0;

    // Calls back once, on the next keyboard or pointer input. Replaces a pending wait.
    // false when the display cannot tell (the caller then re-checks idle() later).
    virtual bool waitForInput(std::function<void()> onInput) = 0;
    virtual void cancelWait() = 0;

    // Called once when the connection to the display is lost (the server exited).
    virtual void onClosed(std::function<void()> closed) = 0;
};

// Connects to the local display `name` (":N" or ":N.S") on `work`, a thread that may block, and
// hands it to `done` on `executor`: nullptr when it cannot be opened. Any user may create a
// display's socket, so only a server run by root or by one of `owners` (users logged on:
// ScreenLockControl::displayOwners) is talked to; one that does not complete the connection within
// seconds is given up, and one that later leaves a request unanswered for a second is treated
// as gone: no X server can hold the caller's reactor.
using DisplayOpened = std::function<void(std::unique_ptr<LocalDisplay>)>;
void openLocalDisplay(boost::asio::any_io_executor executor, boost::asio::any_io_executor work,
                      const std::string& name, std::set<std::string> owners, DisplayOpened done);

}  // namespace mamori::platform
