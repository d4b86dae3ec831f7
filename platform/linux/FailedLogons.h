#pragma once
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>

#include "Inotify.h"
#include "mamori/platform/Session.h"

namespace mamori::platform {

// Failed logons as the login programs append them to btmp. The first start begins at the file's
// end: attempts from before are the machine's history, not this agent's audit trail. From then
// on the read position (the file's identity and offset) is kept in a position file, so a later
// start reports what was appended while no agent ran, from the start of a file rotated
// meanwhile. Follows the file when logrotate moves it aside (monthly).
// Both session monitors use it: logind does not record failed logons.
class FailedLogons {
public:
    // The attempt, and when it was made.
    using Listener = std::function<void(const Session& attempt, int64_t time_unix)>;

    // position: the file that keeps the read position; empty keeps none.
    FailedLogons(boost::asio::any_io_executor executor, std::filesystem::path btmp, std::filesystem::path position);
    void start(Listener listener);

private:
    struct FileId {
        dev_t dev = 0;
        ino_t ino = 0;
        bool operator==(const FileId&) const = default;
    };
    static FileId fileId(const std::filesystem::path& p);
    void addWatches();
    void scan();
    bool loadPosition();
    void savePosition();

    std::filesystem::path btmp_;
    std::filesystem::path position_;
    Inotify inotify_;
    boost::asio::steady_timer initial_scan_;
    Listener listener_;
    uint64_t offset_ = 0;
    FileId id_;
};

}  // namespace mamori::platform
