#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mamori/common/SqliteDb.h"

namespace mamori::collector {

// Copies an SQLite file's write-ahead log into the database on a thread and connection of its
// own. SQLite's automatic checkpoint runs inside the COMMIT that passes 1,000 frames, so the
// writer held its lock while 16 MiB were copied and the database file was flushed twice, and no
// batch could be stored meanwhile (measured: 0.75 of the 3 µs an event's insert took).
//
// A checkpoint here never blocks the writer. Under steady writing it cannot catch up with the
// log's end, and SQLite restarts the log only once every frame is copied; so past
// `backstop_frames` the writer's commit copies the few frames left itself, as SQLite would, and
// the log starts again from its beginning. The log's size stays bounded whatever the load.
class WalCheckpointer {
public:
    static constexpr int kDueFrames = 1000;       // SQLite's own default: 16 MiB at our page size
    static constexpr int kBackstopFrames = 4000;  // the writer's own checkpoint past this

    // path: the database file. The thread and its connection start with the first checkpoint
    // due, so a short-lived process (mamorictl) that writes little never has either.
    explicit WalCheckpointer(std::string path, int due_frames = kDueFrames, int backstop_frames = kBackstopFrames);
    // Finishes a checkpoint under way, then stops.
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    // Takes over `writer`'s automatic checkpoint: a hook that runs inside each of its COMMITs.
    // `writer` must outlive this object, whose destructor removes the hook.
    void watch(common::SqliteDb& writer);

    // Checkpoints run on the thread, and by the writer past the backstop (for tests).
    uint64_t backgroundRuns() const { return background_runs_; }
    uint64_t writerRuns() const { return writer_runs_; }

private:
    static int onCommit(void* self, sqlite3* db, const char* name, int frames);
    void due();
    void run();
    void checkpoint();

    const std::string path_;
    const int due_frames_;
    const int backstop_frames_;
    sqlite3* writer_ = nullptr;  // the watched connection, whose hook the destructor removes
    std::atomic<uint64_t> background_runs_{0};
    std::atomic<uint64_t> writer_runs_{0};

    std::mutex mutex_;
    std::condition_variable wake_;
    bool due_ = false;
    bool stop_ = false;
    bool failing_ = false;  // the last checkpoint failed: said once, not at every commit
    std::unique_ptr<common::SqliteDb> db_;  // the thread's own connection
    std::thread thread_;
};

}  // namespace mamori::collector
