#pragma once
#include <sys/inotify.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace mamori::platform {

// An inotify descriptor on the agent's reactor. The owner adds watches and is called back
// with each batch of changes; it re-reads what it watches rather than trusting single events,
// because the kernel coalesces and may overflow its queue.
class Inotify {
public:
    struct Change {
        int wd;
        uint32_t mask;
        std::string name;  // for a watched directory: the entry that changed
    };
    using Listener = std::function<void(const Change&)>;

    explicit Inotify(boost::asio::any_io_executor executor);
    ~Inotify();
    Inotify(const Inotify&) = delete;
    Inotify& operator=(const Inotify&) = delete;

    // Watch descriptor, or -1 when the path does not exist (yet).
    int add(const std::filesystem::path& path, uint32_t mask);
    void remove(int wd);
    void listen(Listener listener);

private:
    void wait();

    boost::asio::posix::stream_descriptor fd_;
    Listener listener_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mamori::platform
