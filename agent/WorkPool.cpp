#include "agent/WorkPool.h"

#include "mamori/common/Log.h"
#include "mamori/platform/ThisProcess.h"

namespace mamori::agent {

WorkPool::WorkPool(std::string name, size_t threads) {
    threads_.reserve(threads);
    for (size_t i = 0; i < threads; ++i) {
        threads_.emplace_back([this, name] {
            mamori::platform::nameThisThread(name.c_str());
            for (;;) {
                try {
                    io_.run();
                    return;
                } catch (const std::exception& e) {
                    // Posted work reports its own failures; one that escapes must not end the
                    // thread (the pool would silently shrink) nor the agent.
                    Log::error("unexpected failure in " + name + ": " + e.what());
                }
            }
        });
    }
}

WorkPool::~WorkPool() { stop(); }

void WorkPool::stop() {
    idle_.reset();
    io_.stop();
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    threads_.clear();
}

}  // namespace mamori::agent
