#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace mamori::platform {

struct ClockSync {
    bool synchronized = false;
    int64_t estimated_error_us = 0;
};

// Time as evidence needs it: wall time, a monotonic time that survives wall-clock jumps, the
// boot it belongs to, and whether the wall clock is synchronised (000:135).
class Clock {
public:
    virtual ~Clock() = default;
    virtual int64_t utcNs() const = 0;
    virtual int64_t monotonicNs() const = 0;  // CLOCK_BOOTTIME: keeps counting through suspend
    virtual std::string bootId() const = 0;
    virtual ClockSync syncState() const = 0;
};

std::unique_ptr<Clock> systemClock();

}  // namespace mamori::platform
