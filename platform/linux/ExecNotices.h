#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace mamori::platform {

// The kernel's word, after the fact, that a process started a program: the process connector
// (netlink, PROC_EVENT_EXEC), for every exec on the machine whatever file it came from. fanotify
// sees only execs from the filesystems it marks, and some it cannot mark at all: a memfd
// (memfd_create + fexecve) lives on the kernel's internal mount, and a filesystem a user mounts in
// a mount namespace of their own is not in the agent's table. These notices are how such a start
// is still seen, once it has happened. Needs CAP_NET_ADMIN in the initial namespaces.
//
// Runs on the reactor it is given; each notice is a process id (the thread group's), read within
// 10 ms of being sent unless more than 256 came meanwhile (those wait for the next turn).
class ExecNotices {
public:
    using Handler = std::function<void(uint32_t pid)>;

    // Subscribes; throws std::runtime_error when the kernel will not send notices here.
    ExecNotices(boost::asio::any_io_executor reactor, Handler on_exec);
    ~ExecNotices();
    ExecNotices(const ExecNotices&) = delete;
    ExecNotices& operator=(const ExecNotices&) = delete;

    // The exec'd processes in one datagram from the connector. The bytes are checked as outside
    // input all the same: a message that does not read as the connector's is skipped and counted
    // in `malformed`, never guessed at. Notices of other kinds (fork, exit, ...) are ignored.
    static std::vector<uint32_t> parse(std::string_view datagram, size_t* malformed = nullptr);

private:
    void arm();
    void drain();

    Handler on_exec_;
    boost::asio::posix::stream_descriptor socket_;
    boost::asio::steady_timer pause_;
    bool lost_told_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mamori::platform
