#include "collector/WalCheckpointer.h"

#include <exception>

#include "mamori/common/Log.h"

namespace mamori::collector {

WalCheckpointer::WalCheckpointer(std::string path, int due_frames, int backstop_frames)
    : path_(std::move(path)), due_frames_(due_frames), backstop_frames_(backstop_frames) {}

WalCheckpointer::~WalCheckpointer() {
    if (writer_ != nullptr) sqlite3_wal_hook(writer_, nullptr, nullptr);
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::watch(common::SqliteDb& writer) {
    writer_ = writer.handle();
    sqlite3_wal_hook(writer_, &WalCheckpointer::onCommit, this);
}

// Runs inside the writer's COMMIT, after its frames are in the log; frames: the log's length.
int WalCheckpointer::onCommit(void* self, sqlite3* db, const char* name, int frames) {
    auto& me = *static_cast<WalCheckpointer*>(self);
    bool inline_checkpoint = frames >= me.backstop_frames_;
    if (!inline_checkpoint && frames >= me.due_frames_) {
        try {
            me.due();
        } catch (const std::exception& e) {
            // No thread to be had: checkpoint here, as SQLite itself would have, rather than let
            // the log grow. Nothing may be thrown through SQLite.
            Log::warn(me.path_ + ": cannot start the checkpoint thread: " + e.what());
            inline_checkpoint = true;
        }
    }
    if (inline_checkpoint) {
        ++me.writer_runs_;
        // PASSIVE: the rest of the log, at once; if the thread is still at work it returns BUSY
        // and the next commit tries again. A failure leaves the frames in the log, where they
        // are safe, and is SQLite's to report to whoever writes next.
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    return SQLITE_OK;
}

void WalCheckpointer::due() {
    {
        std::lock_guard lock(mutex_);
        if (due_) return;  // already asked: one checkpoint will copy everything logged by then
        due_ = true;
        if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    wake_.notify_one();
}

void WalCheckpointer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return due_ || stop_; });
        if (stop_) return;
        due_ = false;
        lock.unlock();
        checkpoint();
        lock.lock();
    }
}

void WalCheckpointer::checkpoint() {
    int rc = SQLITE_OK;
    std::string why;
    try {
        if (!db_) {
            db_ = std::make_unique<common::SqliteDb>(path_, common::SqliteDb::Access::ReadWrite);
            // As the writer's: the log is flushed before it is copied and the database after,
            // so that the log may start again from its beginning.
            db_->exec("PRAGMA synchronous = NORMAL");
        }
        rc = sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) why = sqlite3_errmsg(db_->handle());
    } catch (const std::exception& e) {
        why = e.what();
    }
    ++background_runs_;
    if (!why.empty()) {
        // The frames stay in the log, which the writer still checkpoints past the backstop.
        if (!failing_) Log::warn(path_ + ": checkpoint of the write-ahead log failed: " + why);
        failing_ = true;
    } else {
        failing_ = false;
    }
}

}  // namespace mamori::collector
