#include "agent/SessionIdleDisplay.h"

#include <boost/asio/post.hpp>

namespace mamori::agent {

SessionIdleDisplay::SessionIdleDisplay(boost::asio::any_io_executor executor, mamori::platform::SessionMonitor& sessions,
                                       mamori::platform::Session session)
    : executor_(executor), sessions_(sessions), session_(std::move(session)), name_(session_.display()) {}

std::optional<std::chrono::milliseconds> SessionIdleDisplay::idle() {
    auto idle = sessions_.idle(session_);
    // Posted: the owner destroys this display (and the IdleLock asking) when told.
    if (!idle && closed_) boost::asio::post(executor_, std::exchange(closed_, nullptr));
    return idle;
}

}  // namespace mamori::agent
