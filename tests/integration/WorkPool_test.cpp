// The agent's worker threads on the real kernel: each carries its pool's name where `top -H` and
// `ps -T` read it, and stopping a pool finishes the work under way and drops the rest.
#include "agent/WorkPool.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "mamori/platform/ThisProcess.h"

namespace {

using namespace std::chrono_literals;

// What the kernel shows for the calling thread.
std::string thisThreadsName() {
    std::ifstream comm("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
    std::string name;
    std::getline(comm, name);
    return name;
}

TEST(WorkPool, EveryThreadCarriesThePoolsName) {
    std::mutex mu;
    std::condition_variable cv;
    std::set<long> tids;
    std::set<std::string> names;
    // After what its tasks use: the pool joins its threads before those go.
    mamori::agent::WorkPool pool("mamori-work", 2);
    // Two tasks that wait for each other: one on each thread.
    for (int i = 0; i < 2; ++i) {
        boost::asio::post(pool.executor(), [&] {
            std::unique_lock lock(mu);
            tids.insert(::syscall(SYS_gettid));
            names.insert(thisThreadsName());
            cv.notify_all();
            cv.wait_for(lock, 10s, [&] { return tids.size() == 2; });
        });
    }
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return tids.size() == 2; }));
    EXPECT_EQ(names, std::set<std::string>{"mamori-work"});
}

TEST(WorkPool, StopFinishesWorkUnderWayAndDropsTheRest) {
    mamori::agent::WorkPool pool("mamori-test", 1);
    std::atomic<bool> started{false}, finished{false}, later{false};
    boost::asio::post(pool.executor(), [&] {
        started = true;
        std::this_thread::sleep_for(200ms);
        finished = true;
    });
    boost::asio::post(pool.executor(), [&] { later = true; });
    while (!started) std::this_thread::sleep_for(1ms);
    pool.stop();
    EXPECT_TRUE(finished);
    EXPECT_FALSE(later);
}

TEST(ThisProcess, LongThreadNamesAreCutToWhatTheKernelKeeps) {
    std::string seen;
    std::thread([&] {
        mamori::platform::nameThisThread("mamori-a-name-longer-than-fifteen");
        seen = thisThreadsName();
    }).join();
    EXPECT_EQ(seen, "mamori-a-name-l");
}

TEST(ThisProcess, FindsAProgramOnPathAndNotAMissingOne) {
    EXPECT_TRUE(mamori::platform::programOnPath("sh"));
    EXPECT_FALSE(mamori::platform::programOnPath("mamori-no-such-program"));
    EXPECT_EQ(mamori::platform::processId(), static_cast<uint32_t>(::getpid()));
    EXPECT_FALSE(mamori::platform::hostName().empty());
}

}  // namespace
