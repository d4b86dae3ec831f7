#pragma once
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "Inotify.h"
#include "mamori/platform/Session.h"
#include "mamori/platform/SessionMonitor.h"

namespace mamori::platform {

// Failed logons as the login programs append them to btmp. The first start begins at the file's
// end: attempts from before are the machine's history, not this agent's audit trail. From then
// on the read position (the file's identity and offset) is kept in a position file, so a later
// start reports what was appended while no agent ran, from the start of a file rotated
// meanwhile. Follows the file when logrotate moves it aside (monthly).
//
// The position file is written after each read, so an agent killed between reporting an attempt
// and writing it would read the attempt again. Each attempt therefore comes with the position
// after it, for the listener to journal with its report, and a start takes the later of the
// two. Every move of the position counts a step, which says which is later even across a
// rotation.
// Both session monitors use it: logind does not record failed logons.
class FailedLogons {
public:
    // The attempt, when it was made, and the position once it is read ("dev ino offset step").
    using Listener = std::function<void(const Session& attempt, int64_t time_unix, const std::string& position)>;

    // files.btmp_position: the file that keeps the read position (empty keeps none);
    // files.journaled_position: the position the listener last journaled (may be empty).
    FailedLogons(boost::asio::any_io_executor executor, const SessionFiles& files);
    void start(Listener listener);

    struct FileId {
        dev_t dev = 0;
        ino_t ino = 0;
        bool operator==(const FileId&) const = default;
    };
    struct Position {
        FileId id;
        uint64_t offset = 0;
        uint64_t step = 0;  // moves of the position so far; 0 in files written before steps
    };
    // Position::text's form, or the three numbers of the form before steps; nullopt for
    // anything else.
    static std::optional<Position> parse(const std::string& text);
    static std::string text(const Position& p);

private:
    static FileId fileId(const std::filesystem::path& p);
    void addWatches();
    void scan();
    bool loadPosition();
    void savePosition();

    std::filesystem::path btmp_;
    std::filesystem::path position_file_;
    std::function<std::optional<std::string>()> journaled_;
    Inotify inotify_;
    boost::asio::steady_timer initial_scan_;
    Listener listener_;
    Position at_;
};

}  // namespace mamori::platform
