#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <functional>

#include "agent/Backoff.h"
#include "agent/PendingEnrollment.h"

namespace mamori::agent {

// Keeps trying a PendingEnrollment from the running daemon, with jittered back-off (30 s up to an
// hour), while the built-in default policy stays in force. Enrollment is a blocking exchange, so
// it runs on its own thread and its outcome is posted back to the reactor.
class EnrollmentRetry {
public:
    EnrollmentRetry(boost::asio::any_io_executor ex, std::filesystem::path state_dir, PendingEnrollment pending,
                    std::function<void()> on_enrolled);
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
    boost::asio::steady_timer timer_;
    Backoff backoff_{std::chrono::seconds(30), std::chrono::hours(1)};
    boost::asio::thread_pool worker_{1};  // joined before the members the posted outcome uses
    bool stopped_ = false;
};

}  // namespace mamori::agent
