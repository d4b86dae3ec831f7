#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace mamori::agent {

// Named threads that run work posted to executor(): what would block the reactor (reading a
// program for its digests, the package database, a scan, giving memory back) or the exchange
// of an enrollment. Every thread carries the pool's name, so `top -H` shows what it is for.
class WorkPool {
public:
    WorkPool(std::string name, size_t threads);
    ~WorkPool();  // stop()
    WorkPool(const WorkPool&) = delete;
    WorkPool& operator=(const WorkPool&) = delete;

    boost::asio::any_io_executor executor() { return io_.get_executor(); }

    // Work not started yet is dropped and work under way finishes; returns once every thread
    // has ended. Whatever posted work uses must outlive this call, not the pool's destruction.
    void stop();

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> idle_{io_.get_executor()};
    std::vector<std::thread> threads_;
};

}  // namespace mamori::agent
