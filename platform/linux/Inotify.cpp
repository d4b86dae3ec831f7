#include "Inotify.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace mamori::platform {

Inotify::Inotify(boost::asio::any_io_executor executor) : fd_(executor) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "inotify_init1");
    fd_.assign(fd);
}

Inotify::~Inotify() = default;

int Inotify::add(const std::filesystem::path& path, uint32_t mask) {
    return inotify_add_watch(fd_.native_handle(), path.c_str(), mask);
}

void Inotify::remove(int wd) {
    if (wd >= 0) inotify_rm_watch(fd_.native_handle(), wd);
}

void Inotify::listen(Listener listener) {
    listener_ = std::move(listener);
    wait();
}

void Inotify::wait() {
    fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                   [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
                       if (ec || !alive.lock()) return;
                       alignas(inotify_event) char buf[4096];
                       for (;;) {
                           ssize_t n = ::read(fd_.native_handle(), buf, sizeof buf);
                           if (n <= 0) break;
                           for (char* p = buf; p < buf + n;) {
                               auto* ev = reinterpret_cast<inotify_event*>(p);
                               Change c{ev->wd, ev->mask, ev->len ? std::string(ev->name) : std::string()};
                               p += sizeof(inotify_event) + ev->len;
                               if (listener_) listener_(c);
                               if (!alive.lock()) return;  // the listener may have destroyed us
                           }
                       }
                       wait();
                   });
}

}  // namespace mamori::platform
