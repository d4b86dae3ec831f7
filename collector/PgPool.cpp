#include "collector/PgPool.h"

namespace mamori::collector {

PgPool::PgPool(std::string url, size_t limit) : url_(std::move(url)), limit_(limit == 0 ? 1 : limit) {}

PgPool::Lease PgPool::acquire() {
    std::unique_lock lock(mutex_);
    idle_changed_.wait(lock, [&] { return !idle_.empty() || open_ < limit_; });
    if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(c));
    }
    ++open_;
    lock.unlock();
    try {
        return Lease(*this, std::make_unique<PgConnection>(url_));
    } catch (...) {
        lock.lock();
        --open_;
        idle_changed_.notify_one();
        throw;
    }
}

void PgPool::release(std::unique_ptr<PgConnection> c) {
    {
        std::lock_guard lock(mutex_);
        if (c) idle_.push_back(std::move(c));
        else --open_;
    }
    idle_changed_.notify_one();
}

}  // namespace mamori::collector
