#include <vector>

#include "Inotify.h"
#include "mamori/platform/FileWatch.h"
#include "mamori/common/Log.h"

namespace mamori::platform {

namespace {

class InotifyFileWatch : public FileWatch {
public:
    explicit InotifyFileWatch(boost::asio::any_io_executor executor) : inotify_(executor) {
        inotify_.listen([this](const Inotify::Change& c) {
            for (const auto& w : watches_) {
                // Both kinds: an in-place save closes the file, a safe save renames onto it.
                if (w.wd == c.wd && c.name == w.name && (c.mask & (IN_CLOSE_WRITE | IN_MOVED_TO))) w.on_change();
            }
        });
    }

    void watch(const std::filesystem::path& file, std::function<void()> on_change) override {
        const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
        int wd = inotify_.add(dir, IN_CLOSE_WRITE | IN_MOVED_TO);
        if (wd < 0) {
            mamori::Log::warn("cannot watch " + dir.string() + " for changes to " + file.filename().string() +
                              ": changes take effect at the next start");
            return;
        }
        watches_.push_back({wd, file.filename().string(), std::move(on_change)});
    }

private:
    struct Watch {
        int wd;
        std::string name;
        std::function<void()> on_change;
    };
    Inotify inotify_;
    std::vector<Watch> watches_;
};

}  // namespace

std::unique_ptr<FileWatch> fileWatch(boost::asio::any_io_executor executor) {
    return std::make_unique<InotifyFileWatch>(executor);
}

}  // namespace mamori::platform
