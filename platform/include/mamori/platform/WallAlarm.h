#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "mamori/platform/Clock.h"

namespace mamori::platform {

// Wakes its owner when the wall clock reads a given time, however the clock got there: normal
// running, a suspend/resume, or someone setting the clock. A wall-clock step is reported at
// once, because every decision based on the old time may now be wrong.
class WallAlarm {
public:
    enum class Wake { Due, ClockChanged };
    using Handler = std::function<void(Wake)>;

    virtual ~WallAlarm() = default;
    // Replaces any pending wake-up. A time already past is due at once.
    virtual void at(std::chrono::system_clock::time_point when, Handler handler) = 0;
    virtual void cancel() = 0;
};

// `when` is read on `clock`, so a clock that runs ahead of the system's (as in tests) still
// wakes its owner at the right instant of its own time.
std::unique_ptr<WallAlarm> wallAlarm(boost::asio::any_io_executor executor, const Clock& clock);

}  // namespace mamori::platform
