#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <string>

#include "mamori/platform/LocalDisplay.h"
#include "mamori/platform/SessionMonitor.h"

namespace mamori::agent {

// A display whose X server the agent cannot open (no access to the user's X authority), seen
// through the OS's idle hint for the session on it (logind's IdleHint, set by the desktop).
// It cannot wake on input, so IdleLock asks it again one threshold later; and it has no
// screen-saver setting of its own to audit. It reports itself closed when the session ends.
class SessionIdleDisplay final : public mamori::platform::LocalDisplay {
public:
    SessionIdleDisplay(boost::asio::any_io_executor executor, mamori::platform::SessionMonitor& sessions,
                       mamori::platform::Session session);

    const std::string& name() const override { return name_; }
    std::optional<std::chrono::milliseconds> idle() override;
    std::optional<std::chrono::seconds> screenSaverTimeout() override { return std::nullopt; }
    bool waitForInput(std::function<void()>) override { return false; }
    void cancelWait() override {}
    void onClosed(std::function<void()> closed) override { closed_ = std::move(closed); }

private:
    boost::asio::any_io_executor executor_;
    mamori::platform::SessionMonitor& sessions_;
    mamori::platform::Session session_;
    std::string name_;
    std::function<void()> closed_;
};

}  // namespace mamori::agent
