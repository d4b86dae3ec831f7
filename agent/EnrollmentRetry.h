#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>

#include "agent/Backoff.h"
#include "agent/PendingEnrollment.h"

namespace mamori::agent {

// Keeps trying a PendingEnrollment from the running daemon, with jittered back-off (30 s up to an
// hour), while the built-in default policy stays in force. Enrollment is a blocking exchange, so
// it runs on the worker the agent gives it (a thread of its own: a collector that does not answer
// must not hold up the digests of programs) and its outcome is posted back to the reactor. The
// worker must be stopped before this is destroyed. Each failure is logged once, with the wait
// before the next try, and handed to on_failed (the agent's status shows it as its last error).
class EnrollmentRetry {
public:
    using OnFailed = std::function<void(const std::string& why)>;
    EnrollmentRetry(boost::asio::any_io_executor ex, boost::asio::any_io_executor worker, std::filesystem::path state_dir,
                    PendingEnrollment pending, std::function<void()> on_enrolled, OnFailed on_failed = {});
    ~EnrollmentRetry();

    void start(std::chrono::milliseconds first_delay = std::chrono::seconds(2));
    void stop();

private:
    void attempt();
    void finished(const std::string& error);

    boost::asio::any_io_executor ex_;
    std::filesystem::path state_dir_;
    PendingEnrollment pending_;
    std::function<void()> on_enrolled_;
    OnFailed on_failed_;
    boost::asio::steady_timer timer_;
    Backoff backoff_{std::chrono::seconds(30), std::chrono::hours(1)};
    boost::asio::any_io_executor worker_;
    bool stopped_ = false;
};

}  // namespace mamori::agent
