#pragma once
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <filesystem>
#include <functional>

#include "Inotify.h"
#include "mamori/platform/Session.h"

namespace mamori::platform {

// Failed logons as the login programs append them to btmp, from the moment start() is called:
// attempts from before are already in the file, and the audit trail starts here rather than
// replaying its whole history. Follows the file when logrotate moves it aside (monthly).
// Both session monitors use it: logind does not record failed logons.
class FailedLogons {
public:
    // The attempt, and when it was made.
    using Listener = std::function<void(const Session& attempt, int64_t time_unix)>;

    FailedLogons(boost::asio::any_io_executor executor, std::filesystem::path btmp);
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

    std::filesystem::path btmp_;
    Inotify inotify_;
    Listener listener_;
    uint64_t offset_ = 0;
    FileId id_;
};

}  // namespace mamori::platform
