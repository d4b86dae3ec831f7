#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <system_error>

#include "mamori/platform/WallAlarm.h"

namespace mamori::platform {

namespace {

// A CLOCK_REALTIME timerfd armed at an absolute time with TFD_TIMER_CANCEL_ON_SET. The kernel
// fires it when the wall clock reaches the time, whether it got there by running, by resuming
// from suspend or by being set; and it fails the read with ECANCELED the moment anyone steps
// the clock (settimeofday, an NTP step, resume), so the owner re-plans at once instead of
// finding out at its next wake-up, which could be hours later.
class LinuxWallAlarm final : public WallAlarm {
public:
    LinuxWallAlarm(boost::asio::any_io_executor executor, const Clock& clock) : fd_(executor), clock_(clock) {
        int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
        fd_.assign(fd);
    }

    void at(std::chrono::system_clock::time_point when, Handler handler) override {
        handler_ = std::move(handler);
        timespec now{};
        clock_gettime(CLOCK_REALTIME, &now);
        int64_t real_now = static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
        int64_t target = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count() +
                         (real_now - clock_.utcNs());
        if (target <= 0) target = 1;  // an all-zero it_value would disarm the timer instead
        itimerspec spec{};
        spec.it_value.tv_sec = static_cast<time_t>(target / 1'000'000'000);
        spec.it_value.tv_nsec = static_cast<long>(target % 1'000'000'000);
        timerfd_settime(fd_.native_handle(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, nullptr);
        if (!waiting_) wait();
    }

    void cancel() override {
        handler_ = nullptr;
        itimerspec off{};
        timerfd_settime(fd_.native_handle(), 0, &off, nullptr);
    }

private:
    void wait() {
        waiting_ = true;
        fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
                           if (ec || !alive.lock()) return;
                           waiting_ = false;
                           uint64_t expirations = 0;
                           ssize_t n = ::read(fd_.native_handle(), &expirations, sizeof expirations);
                           Wake wake;
                           if (n == sizeof expirations) wake = Wake::Due;
                           else if (n < 0 && errno == ECANCELED) wake = Wake::ClockChanged;
                           else return wait();  // re-armed to a later time after it became readable
                           if (auto h = std::exchange(handler_, nullptr)) h(wake);
                       });
    }

    boost::asio::posix::stream_descriptor fd_;
    const Clock& clock_;
    Handler handler_;
    bool waiting_ = false;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace

std::unique_ptr<WallAlarm> wallAlarm(boost::asio::any_io_executor executor, const Clock& clock) {
    return std::make_unique<LinuxWallAlarm>(executor, clock);
}

}  // namespace mamori::platform
