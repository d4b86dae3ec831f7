/* Preloaded in front of libfaketime into a process whose wall clock a test moves (fakeClock in
 * TestCollector.h). libfaketime shifts timerfd deadlines by its offset even when it is told to
 * leave the monotonic clock alone, so Boost.Asio's timers, which run on a monotonic timerfd, are
 * set into the past (EINVAL) or a day ahead, and never fire. These put the kernel's calls back. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

int timerfd_settime(int fd, int flags, const struct itimerspec* new_value, struct itimerspec* old_value) {
    return (int)syscall(SYS_timerfd_settime, fd, flags, new_value, old_value);
}

int timerfd_gettime(int fd, struct itimerspec* curr_value) {
    return (int)syscall(SYS_timerfd_gettime, fd, curr_value);
}
