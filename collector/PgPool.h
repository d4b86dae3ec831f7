#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collector/PgConnection.h"

namespace mamori::collector {

// A few libpq connections shared by the collector's threads. A connection is opened when a
// thread needs one and none is idle, up to `limit`; beyond that threads wait. Several
// collectors share one server, so each keeps its share of max_connections small.
class PgPool {
public:
    PgPool(std::string url, size_t limit);

    // A connection for the holder's scope; returned to the pool when the lease ends.
    class Lease {
    public:
        Lease(PgPool& pool, std::unique_ptr<PgConnection> c) : pool_(pool), c_(std::move(c)) {}
        ~Lease() { pool_.release(std::move(c_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        PgConnection* operator->() { return c_.get(); }
        PgConnection& operator*() { return *c_; }

    private:
        PgPool& pool_;
        std::unique_ptr<PgConnection> c_;
    };

    Lease acquire();

private:
    void release(std::unique_ptr<PgConnection> c);

    const std::string url_;
    const size_t limit_;
    std::mutex mutex_;
    std::condition_variable idle_changed_;
    std::vector<std::unique_ptr<PgConnection>> idle_;
    size_t open_ = 0;
};

}  // namespace mamori::collector
