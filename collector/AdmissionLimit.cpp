#include "collector/AdmissionLimit.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace mamori::collector {

AdmissionLimit::AdmissionLimit(Settings settings)
    : settings_(settings),
      limit_(static_cast<double>(settings.least)),
      after_probe_(static_cast<double>(std::clamp(settings.initial, settings.least, settings.most))) {}

void AdmissionLimit::expire(Clock::time_point now) {
    // A ticket's start is always before now: tickets are issued in order, so the oldest go first.
    while (!under_way_.empty() && now - under_way_.begin()->second > settings_.stale) {
        stale_.insert(*under_way_.begin());
        under_way_.erase(under_way_.begin());
    }
    // One that never ends (a leak would be a bug, but must not grow this for ever).
    while (!stale_.empty() && now - stale_.begin()->second > settings_.memory) {
        forget(stale_.begin()->first);
        stale_.erase(stale_.begin());
    }
}

bool AdmissionLimit::forget(Ticket ticket) {
    if (auto c = client_of_.find(ticket); c != client_of_.end()) {
        timed_clients_.erase(c->second);
        client_of_.erase(c);
    }
    return untimed_.erase(ticket) == 0;
}

AdmissionLimit::Place::Place(Place&& o) noexcept : limit_(std::move(o.limit_)), ticket_(o.ticket_) {}

AdmissionLimit::Place& AdmissionLimit::Place::operator=(Place&& o) noexcept {
    if (this != &o) {
        if (limit_) limit_->abandoned(ticket_);
        limit_ = std::move(o.limit_);
        ticket_ = o.ticket_;
    }
    return *this;
}

AdmissionLimit::Place::~Place() {
    if (limit_) limit_->abandoned(ticket_);
}

void AdmissionLimit::Place::answered(Clock::time_point now) {
    if (limit_) std::exchange(limit_, nullptr)->finished(ticket_, now);
}

void AdmissionLimit::Place::belongsTo(const std::string& client) {
    if (limit_) limit_->belongs(ticket_, client);
}

void AdmissionLimit::belongs(Ticket ticket, const std::string& client) {
    std::lock_guard lock(mutex_);
    if (!under_way_.count(ticket) && !stale_.count(ticket)) return;
    if (client_of_.count(ticket) || untimed_.count(ticket)) return;  // told already
    if (timed_clients_.emplace(client, ticket).second) client_of_.emplace(ticket, client);
    else untimed_.insert(ticket);
}

AdmissionLimit::Place AdmissionLimit::tryStart(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    expire(now);
    if (under_way_.size() >= static_cast<size_t>(limit_)) {
        window_peak_ = std::max(window_peak_, under_way_.size());
        return {};
    }
    const Ticket t = next_++;
    // The caller's clock may be read on another thread a moment earlier: never out of order.
    const auto start = under_way_.empty() ? now : std::max(now, std::prev(under_way_.end())->second);
    under_way_.emplace(t, start);
    window_peak_ = std::max(window_peak_, under_way_.size());
    return Place(shared_from_this(), t);
}

void AdmissionLimit::finished(Ticket ticket, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = under_way_.find(ticket);
    Clock::time_point start;
    if (it != under_way_.end()) {
        start = it->second;
        under_way_.erase(it);
    } else if (auto s = stale_.find(ticket); s != stale_.end()) {
        start = s->second;
        stale_.erase(s);
    } else {
        return;
    }
    if (!forget(ticket)) return;
    // Admitted before a measurement began, it says nothing of little load.
    if (probing_ && ticket < probe_first_) return;
    samples_.push_back(now - start);
    judge(now);
}

void AdmissionLimit::abandoned(Ticket ticket) {
    std::lock_guard lock(mutex_);
    if (under_way_.erase(ticket) == 0 && stale_.erase(ticket) == 0) return;
    forget(ticket);
}

void AdmissionLimit::judge(Clock::time_point now) {
    if (window_start_ == Clock::time_point{}) window_start_ = now;
    if (now - window_start_ < settings_.window) return;
    auto mid = samples_.begin() + static_cast<std::ptrdiff_t>(samples_.size() / 2);
    std::nth_element(samples_.begin(), mid, samples_.end());
    const Clock::duration median = *mid;

    while (!medians_.empty() && now - medians_.front().first > settings_.memory) medians_.pop_front();
    // Kept increasing from the front: a median is of no use once a later one is as short.
    while (!medians_.empty() && medians_.back().second >= median) medians_.pop_back();
    medians_.emplace_back(now, median);
    const Clock::duration shortest = medians_.front().second;

    const double ratio = median.count() > 0
                             ? settings_.tolerance * static_cast<double>(shortest.count()) /
                                   static_cast<double>(median.count())
                             : 1.0;
    if (probing_) {
        probing_ = false;
        last_probe_ = now;
        limit_ = after_probe_;
        queued_windows_ = 0;
    } else if (ratio < 1.0) {
        // Cut once the queue stands a second window: a burst (a few hundred connections at once)
        // is served, not shed. At most halved per window: one slow window is not a collapse.
        if (++queued_windows_ >= 2) limit_ *= std::max(ratio, 0.5);
    } else {
        queued_windows_ = 0;
        // Without a queue the limit grows back to where it started, used or not, so that a
        // burst after a crowd is not shed for being a burst; past that, only while used.
        const double initial = static_cast<double>(settings_.initial);
        if (limit_ < initial) limit_ = std::min(initial, limit_ + std::sqrt(limit_));
        else if (static_cast<double>(window_peak_) * 2 >= limit_) limit_ += std::sqrt(limit_);
    }
    limit_ = std::clamp(limit_, static_cast<double>(settings_.least), static_cast<double>(settings_.most));
    // Measured again while cut, since the shortest median may be a crowd's: a collector left
    // crowded for long, or started while the fleet already crowded it.
    if (!probing_ && limit_ < static_cast<double>(settings_.initial) && now - last_probe_ >= settings_.memory / 2) {
        probing_ = true;
        probe_first_ = next_;
        after_probe_ = limit_;
        limit_ = static_cast<double>(settings_.least);
    }
    window_start_ = now;
    samples_.clear();
    window_peak_ = under_way_.size();
}

size_t AdmissionLimit::limit() const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(limit_);
}

size_t AdmissionLimit::underWay(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    expire(now);
    return under_way_.size();
}

}  // namespace mamori::collector
