#include "agent/EnrollmentRetry.h"

#include <boost/asio/post.hpp>

#include "agent/Enrollment.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace asio = boost::asio;

EnrollmentRetry::EnrollmentRetry(asio::any_io_executor ex, asio::any_io_executor worker, std::filesystem::path state_dir,
                                 PendingEnrollment pending, std::function<void()> on_enrolled, OnFailed on_failed)
    : ex_(ex), state_dir_(std::move(state_dir)), pending_(std::move(pending)), on_enrolled_(std::move(on_enrolled)),
      on_failed_(std::move(on_failed)), timer_(ex), worker_(std::move(worker)) {}

EnrollmentRetry::~EnrollmentRetry() { stop(); }

void EnrollmentRetry::start(std::chrono::milliseconds first_delay) {
    timer_.expires_after(first_delay);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && !stopped_) attempt();
    });
}

void EnrollmentRetry::stop() {
    stopped_ = true;
    timer_.cancel();
}

void EnrollmentRetry::attempt() {
    asio::post(worker_, [this] {
        std::string error;
        try {
            Enrollment::run(state_dir_, pending_.collector, pending_.token, pending_.hostname);
        } catch (const std::exception& e) {
            error = e.what();
            if (error.empty()) error = "unknown error";
        }
        asio::post(ex_, [this, error] { finished(error); });
    });
}

void EnrollmentRetry::finished(const std::string& error) {
    if (stopped_) return;
    if (error.empty()) {
        PendingEnrollment::clear(state_dir_);
        Log::info("enrolled with " + pending_.collector);
        on_enrolled_();
        return;
    }
    auto wait = backoff_.next();
    if (on_failed_) on_failed_("enrollment with " + pending_.collector + ": " + error);
    Log::warn("enrollment with " + pending_.collector + " failed: " + error + "; the built-in default policy stays in force; next try in " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) + " s");
    start(wait);
}

}  // namespace mamori::agent
