#include <sys/timex.h>
#include <time.h>

#include <fstream>

#include "mamori/platform/Clock.h"

namespace mamori::platform {

namespace {

int64_t read(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The Linux clock: clock_gettime, the kernel's boot id, and adjtimex's view of NTP sync.
class LinuxClock final : public Clock {
public:
    LinuxClock() {
        std::ifstream in("/proc/sys/kernel/random/boot_id");
        std::getline(in, boot_id_);
    }
    int64_t utcNs() const override { return read(CLOCK_REALTIME); }
    int64_t monotonicNs() const override { return read(CLOCK_BOOTTIME); }
    std::string bootId() const override { return boot_id_; }
    ClockSync syncState() const override {
        timex tx{};
        int state = adjtimex(&tx);
        // TIME_ERROR (and STA_UNSYNC) is how the kernel says no time service disciplines the clock.
        bool synced = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
        return ClockSync{synced, static_cast<int64_t>(tx.esterror)};
    }

private:
    std::string boot_id_;
};

}  // namespace

std::unique_ptr<Clock> systemClock() { return std::make_unique<LinuxClock>(); }

}  // namespace mamori::platform
