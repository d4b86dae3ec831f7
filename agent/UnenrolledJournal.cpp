#include "agent/UnenrolledJournal.h"

#include <stdexcept>

#include "agent/Journal.h"
#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace fs = std::filesystem;

namespace {

// The journal's database with its write-ahead log and shared-memory index.
void removeDatabase(const fs::path& db) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}

// A rename is durable only once the directory itself is on disk. Best effort: every step of
// the adoption can be taken again at the next start.
void syncDirectory(const fs::path& dir) {
    try {
        mamori::common::Files::syncDirectory(dir);
    } catch (const std::exception& e) {
        Log::warn(e.what());
    }
}

// The terminal the oldest held event names; empty for an empty journal.
std::string heldTerminal(const fs::path& db, const mamori::proto::Ed25519Key& key, uint64_t cap) {
    Journal j(db, key, cap);
    auto first = j.pending(1);
    if (first.empty()) return {};
    mamori::v1::EventBody body;
    body.ParseFromString(first.front().body());
    return body.terminal_id();
}

}  // namespace

uint64_t UnenrolledJournal::adopt(const fs::path& dir, const mamori::proto::Ed25519Key& key, uint64_t cap,
                                  const std::string& terminal_id) {
    const fs::path current = dir / "journal.db", old = dir / "journal.unenrolled.db", copy = dir / "journal.adopt.db";
    if (fs::exists(old) && fs::exists(current)) {  // crashed after step 3
        removeDatabase(old);
        return 0;
    }
    if (!fs::exists(old)) {
        if (!fs::exists(current)) return 0;
        // Opening and closing the journal also folds a write-ahead log left by a kill into the
        // database file, so that the rename below moves every event.
        const std::string held = heldTerminal(current, key, cap);
        if (held.empty() || held == terminal_id) return 0;
        fs::rename(current, old);  // step 1
        syncDirectory(dir);
    }
    removeDatabase(copy);  // step 2, from scratch
    uint64_t moved = 0;
    {
        Journal from(old, key, cap);
        Journal to(copy, key, cap);
        // The source is only read, never acknowledged: a crash before step 3 redoes the copy
        // from its untouched start.
        uint64_t after = 0;
        for (auto batch = from.pending(500); !batch.empty(); batch = from.pending(500, after)) {
            for (const auto& ev : batch) {
                mamori::v1::EventBody body;
                // This agent wrote it; an unreadable one means the file was damaged, and evidence
                // is not copied around a hole without saying so.
                if (!body.ParseFromString(ev.body()))
                    throw std::runtime_error(old.string() + ": an event after seq " + std::to_string(after) +
                                             " is unreadable; the journal is kept as it is");
                after = body.seq();
                body.set_terminal_id(terminal_id);
                to.append(std::move(body));
                ++moved;
            }
        }
    }
    fs::rename(copy, current);  // step 3
    syncDirectory(dir);
    removeDatabase(old);  // step 4
    return moved;
}

}  // namespace mamori::agent
