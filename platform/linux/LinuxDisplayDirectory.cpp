#include <sys/stat.h>

#include <filesystem>

#include "Inotify.h"
#include "X11Sockets.h"
#include "mamori/platform/DisplayDirectory.h"

namespace mamori::platform {

namespace {

namespace fs = std::filesystem;

// Every local X server listens on /tmp/.X11-unix/X<n>; the folder changes only when a server
// starts or stops, so watching it costs nothing while nobody logs on or off.
class LinuxDisplayDirectory final : public DisplayDirectory {
public:
    explicit LinuxDisplayDirectory(boost::asio::any_io_executor executor) : inotify_(executor) {}

    std::set<std::string> present() const override {
        std::set<std::string> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(kX11SocketDir, ec)) {
            std::string n = e.path().filename().string();
            if (n.size() > 1 && n[0] == 'X' && n.find_first_not_of("0123456789", 1) == std::string::npos)
                out.insert(":" + n.substr(1));
        }
        return out;
    }

    void watch(Listener listener) override {
        listener_ = std::move(listener);
        // As systemd-tmpfiles' x11.conf would: the folder exists before the first server starts.
        if (::mkdir(kX11SocketDir, 01777) == 0) ::chmod(kX11SocketDir, 01777);
        inotify_.add(kX11SocketDir, IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM);
        inotify_.listen([this](const Inotify::Change&) {
            if (listener_) listener_(present());
        });
    }

private:
    Inotify inotify_;
    Listener listener_;
};

}  // namespace

std::unique_ptr<DisplayDirectory> displayDirectory(boost::asio::any_io_executor executor) {
    return std::make_unique<LinuxDisplayDirectory>(executor);
}

}  // namespace mamori::platform
