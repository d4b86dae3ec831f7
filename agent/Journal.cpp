#include "agent/Journal.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "mamori/common/SqliteDb.h"

namespace mamori::agent {

namespace {

using mamori::common::SqliteDb;

// Bumped whenever the schema changes in a way an older agent would misread; a journal written by
// a newer agent is refused rather than misread, since it is evidence. A table an older agent
// does not know (cursors) it never reads, so adding one keeps the version, and going back to an
// older package keeps a working agent.
// 2: meta.head_utc_ns, the time of the last event written.
constexpr int kSchemaVersion = 2;

// When the cap forces a drop, free this fraction of the cap beyond what the new event needs.
// Dropping exactly enough would, once the journal is full, drop one event and write one gap
// record on every append: the journal would fill with gap records and hold half the events.
// With this headroom a gap record is written at most once per cap/16 bytes of new events, so
// at most ~17 of them can ever be held at once, at the price of losing up to cap/16 bytes more
// of the oldest events, which were about to go anyway.
constexpr uint64_t kDropHeadroomDivisor = 16;

constexpr const char* kGapReason = "journal full";

// prev_hash (32) + hash (32) + Ed25519 signature (64): the fixed part of every stored event.
constexpr uint64_t kLinkBytes = 32 + 32 + 64;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY,
  body BLOB NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL,
  signature BLOB NOT NULL,
  size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  head_seq INTEGER NOT NULL,
  head_hash BLOB NOT NULL,
  acked_seq INTEGER NOT NULL,
  head_utc_ns INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO meta(id, head_seq, head_hash, acked_seq) VALUES (1, 0, zeroblob(32), 0);
CREATE TABLE IF NOT EXISTS cursors(
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

uint64_t storedSize(const mamori::v1::Event& ev) {
    return ev.body().size() + ev.prev_hash().size() + ev.hash().size() + ev.signature().size();
}

constexpr const char* kInsertEvent =
    "INSERT INTO events(seq, body, prev_hash, hash, signature, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kSetHead = "UPDATE meta SET head_seq = ?1, head_hash = ?2, head_utc_ns = ?3 WHERE id = 1";
constexpr const char* kSetAcked = "UPDATE meta SET acked_seq = ?1 WHERE id = 1";
constexpr const char* kOldest = "SELECT seq, size FROM events ORDER BY seq";
constexpr const char* kDeleteThrough = "DELETE FROM events WHERE seq <= ?1";
constexpr const char* kTotalsThrough = "SELECT count(*), coalesce(sum(size), 0) FROM events WHERE seq <= ?1";
constexpr const char* kSelectPending =
    "SELECT body, prev_hash, hash, signature FROM events WHERE seq > ?2 ORDER BY seq LIMIT ?1";
constexpr const char* kSelectMeta = "SELECT head_seq, head_hash, acked_seq, head_utc_ns FROM meta WHERE id = 1";
constexpr const char* kSelectTotals = "SELECT count(*), coalesce(sum(size), 0) FROM events";
constexpr const char* kSelectLast = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";
constexpr const char* kSetCursor =
    "INSERT INTO cursors(name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value";
constexpr const char* kSelectCursor = "SELECT value FROM cursors WHERE name = ?1";

int64_t asInt(uint64_t v) { return static_cast<int64_t>(std::min<uint64_t>(v, std::numeric_limits<int64_t>::max())); }

// The mirrors of the totals never wrap below zero: a file changed behind this journal's back
// (another process, which the agent's state lock now keeps out) once made a depth of 2^64 - 2
// that `mamori-agent status` could not read back.
void lessBy(uint64_t& total, uint64_t amount) { total -= std::min(total, amount); }

}  // namespace

struct Journal::Impl {
    std::filesystem::path path;
    uint64_t cap_bytes;
    mamori::proto::Ed25519Key key;
    mamori::proto::EventChain chain;

    // Mirrors of what is on disk, reloaded from it after any failed write so they never
    // drift from the file.
    uint64_t acked_seq = 0;
    int64_t head_utc_ns = 0;
    uint64_t depth = 0;
    uint64_t bytes = 0;

    mutable std::mutex mu;
    // Every use is under mu: the connection is opened without SQLite's own mutex.
    std::optional<SqliteDb> db;

    Impl(std::filesystem::path p, mamori::proto::Ed25519Key k, uint64_t cap)
        : path(std::move(p)), cap_bytes(cap), key(std::move(k)), chain(key, {}) {}

    // Says which step failed; the public operations add which journal.
    template <class Body>
    static auto context(const char* what, Body&& body) {
        try {
            return body();
        } catch (const std::exception& e) {
            throw std::runtime_error(std::string(what) + ": " + e.what());
        }
    }

    // Every failure names the journal: the person reading it has one file to look at.
    template <class Body>
    auto named(Body&& body) const {
        try {
            return body();
        } catch (const std::exception& e) {
            throw std::runtime_error("journal " + path.string() + ": " + e.what());
        }
    }

    [[noreturn]] static void refuse(const std::string& why) { throw std::runtime_error(why); }

    void open() {
        std::error_code ec;
        if (path.has_parent_path()) {
            std::filesystem::create_directories(path.parent_path(), ec);
            if (ec) refuse("cannot create its directory: " + ec.message());
        }
        context("cannot open", [&] {
            // Created (or tightened) to 0600 before SQLite touches it: it is evidence, and names
            // users and devices; SQLite gives its -wal and -shm files the mode of the database
            // file. Private also means no symbolic link: the file must be the one we vetted.
            db.emplace(path.string(), SqliteDb::Access::ReadWritePrivate, 0600);
            // Another process (a status tool) may read the file; wait for it rather than fail.
            db->exec("PRAGMA busy_timeout=5000");
        });
        context("cannot enable WAL", [&] {
            auto mode = db->prepare("PRAGMA journal_mode=WAL");
            const std::string got = mode.step() ? mode.columnText(0) : std::string();
            if (got != "wal") throw std::runtime_error("WAL unavailable (mode " + got + ")");
        });
        context("cannot set up", [&] {
            // FULL: in WAL mode the WAL is fsync'd on every commit, so a committed event
            // survives a power cut and not only a crash of the agent.
            db->exec("PRAGMA synchronous=FULL");
            // The WAL is truncated back to this after a checkpoint instead of keeping its peak size.
            db->exec("PRAGMA journal_size_limit=4194304");
        });
        const int64_t version = context("cannot read the schema version", [&] {
            auto ver = db->prepare("PRAGMA user_version");
            if (!ver.step()) throw std::runtime_error("no answer");
            return ver.columnInt(0);
        });
        if (version > kSchemaVersion) refuse("written by a newer agent (schema " + std::to_string(version) + ")");
        context("cannot create the schema", [&] {
            db->transaction([&] {
                // A journal of schema 1 has meta without the time of its last event: unknown (0)
                // until the next append.
                if (version == 1) db->exec("ALTER TABLE meta ADD COLUMN head_utc_ns INTEGER NOT NULL DEFAULT 0");
                db->exec(kSchema);
                db->exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
            });
        });
        load();
    }

    // Reads the head, the acknowledged seq and the totals back from the file. The head lives
    // in meta, not only in the last event row, because acknowledged events are deleted and
    // the next seq must still follow the last one ever written.
    void load() {
        mamori::proto::ChainHead head;
        context("cannot read the chain head", [&] {
            auto st = db->prepare(kSelectMeta);
            if (!st.step()) throw std::runtime_error("no meta row");
            head.seq = static_cast<uint64_t>(st.columnInt(0));
            head.hash = st.columnBlob(1);
            acked_seq = static_cast<uint64_t>(st.columnInt(2));
            head_utc_ns = st.columnInt(3);
        });
        context("cannot count the stored events", [&] {
            auto st = db->prepare(kSelectTotals);
            if (!st.step()) throw std::runtime_error("no totals");
            depth = static_cast<uint64_t>(st.columnInt(0));
            bytes = static_cast<uint64_t>(st.columnInt(1));
        });
        // Head and rows are written in one transaction, so they can only disagree if the file
        // was altered: refuse to extend a chain whose end we cannot trust.
        const bool consistent = context("cannot read the last event", [&] {
            auto st = db->prepare(kSelectLast);
            bool ok = head.hash.size() == 32;
            if (st.step()) ok = ok && static_cast<uint64_t>(st.columnInt(0)) == head.seq && st.columnBlob(1) == head.hash;
            return ok;
        });
        if (!consistent) refuse("the recorded chain head does not match the stored events");
        chain = mamori::proto::EventChain(key, head);
    }

    void insert(const mamori::v1::Event& ev, uint64_t seq) {
        const uint64_t size = storedSize(ev);
        context("cannot store event", [&] {
            // Without a copy: the event outlives the step that reads it.
            db->prepare(kInsertEvent)
                .bindInt(1, asInt(seq))
                .bindBlobNoCopy(2, ev.body())
                .bindBlobNoCopy(3, ev.prev_hash())
                .bindBlobNoCopy(4, ev.hash())
                .bindBlobNoCopy(5, ev.signature())
                .bindInt(6, asInt(size))
                .run();
        });
        ++depth;
        bytes += size;
    }

    // Deletes the oldest stored events until at most target bytes remain; returns the last
    // seq deleted, or 0 if none was.
    uint64_t dropOldest(uint64_t target) {
        uint64_t last = 0, freed = 0, count = 0;
        context("cannot read the oldest events", [&] {
            auto st = db->prepare(kOldest);
            while (bytes - freed > target && st.step()) {
                last = static_cast<uint64_t>(st.columnInt(0));
                freed += static_cast<uint64_t>(st.columnInt(1));
                ++count;
            }
        });
        if (count == 0) return 0;
        context("cannot drop the oldest events", [&] { db->prepare(kDeleteThrough).bindInt(1, asInt(last)).run(); });
        lessBy(depth, count);
        lessBy(bytes, freed);
        return last;
    }

    static mamori::v1::EventBody gapBody(const mamori::v1::EventBody& cause, uint64_t first, uint64_t last) {
        mamori::v1::EventBody gap;
        // Recorded at the instant of the append that forced the drop.
        gap.set_terminal_id(cause.terminal_id());
        gap.set_utc_ns(cause.utc_ns());
        gap.set_monotonic_ns(cause.monotonic_ns());
        gap.set_boot_id(cause.boot_id());
        gap.set_policy_version(cause.policy_version());
        gap.set_type(mamori::v1::JOURNAL_GAP);
        gap.set_control(mamori::v1::EVIDENCE);
        gap.set_violation(true);
        auto* d = gap.mutable_gap();
        d->set_first_lost_seq(first);
        d->set_last_lost_seq(last);
        d->set_reason(kGapReason);
        return gap;
    }

    mamori::v1::Event append(mamori::v1::EventBody body, const std::optional<Cursor>& cursor) {
        const uint64_t head_seq = chain.head().seq;
        body.set_seq(head_seq + 1);
        const uint64_t new_size = body.ByteSizeLong() + kLinkBytes;
        mamori::v1::Event ev;
        try {
            context("cannot append", [&] {
                db->transaction([&] {
                    if (bytes + new_size > cap_bytes && depth > 0) {
                        // Sizes with the larger seqs a gap record would cause: varints only grow
                        // with the value, so these bound what will really be stored.
                        body.set_seq(head_seq + 2);
                        uint64_t need = body.ByteSizeLong() + kLinkBytes +
                                        gapBody(body, head_seq + 1, head_seq + 1).ByteSizeLong() + kLinkBytes +
                                        cap_bytes / kDropHeadroomDivisor;
                        uint64_t target = cap_bytes > need ? cap_bytes - need : 0;
                        uint64_t last_lost = dropOldest(target);
                        // The gap always spans everything after the acknowledged seq up to the
                        // last event no longer held, not just this round's drop. Earlier gap
                        // records of the same loss are oldest and so are the first dropped; any
                        // that survive describe a subset of this range. Hence the newest gap
                        // record alone tells the collector all it can no longer receive,
                        // whichever earlier ones reach it.
                        if (last_lost != 0) {
                            mamori::v1::Event gap = chain.append(gapBody(body, acked_seq + 1, last_lost));
                            insert(gap, chain.head().seq);
                        }
                    }
                    // An event larger than the whole cap is still stored, alone: refusing it
                    // would lose it with no record at all.
                    const int64_t utc_ns = body.utc_ns();
                    ev = chain.append(std::move(body));
                    insert(ev, chain.head().seq);
                    context("cannot record the chain head", [&] {
                        db->prepare(kSetHead)
                            .bindInt(1, asInt(chain.head().seq))
                            .bindBlobNoCopy(2, chain.head().hash)
                            .bindInt(3, utc_ns)
                            .run();
                    });
                    if (cursor) {
                        context("cannot record the cursor", [&] {
                            db->prepare(kSetCursor).bindText(1, cursor->name).bindText(2, cursor->value).run();
                        });
                    }
                    head_utc_ns = utc_ns;
                });
            });
        } catch (...) {
            recover();
            throw;
        }
        return ev;
    }

    std::vector<mamori::v1::Event> pending(size_t max_events, uint64_t after_seq) {
        std::vector<mamori::v1::Event> out;
        if (max_events == 0) return out;
        context("cannot read pending events", [&] {
            auto st = db->prepare(kSelectPending);
            st.bindInt(1, asInt(max_events)).bindInt(2, asInt(after_seq));
            out.reserve(std::min<uint64_t>(max_events, depth));
            while (st.step()) {
                mamori::v1::Event& ev = out.emplace_back();
                ev.set_body(st.columnBlob(0));
                ev.set_prev_hash(st.columnBlob(1));
                ev.set_hash(st.columnBlob(2));
                ev.set_signature(st.columnBlob(3));
            }
        });
        return out;
    }

    void acknowledge(uint64_t seq) {
        // Beyond the head the collector claims events this journal never wrote (another
        // install's chain, a confused collector): keep everything rather than trust it.
        // Below or at the acknowledged seq it is a late duplicate.
        if (seq > chain.head().seq || seq <= acked_seq) return;
        uint64_t count = 0, size = 0;
        try {
            context("cannot forget acknowledged events", [&] {
                db->transaction([&] {
                    {
                        auto st = db->prepare(kTotalsThrough);
                        st.bindInt(1, asInt(seq));
                        if (!st.step()) throw std::runtime_error("no totals");
                        count = static_cast<uint64_t>(st.columnInt(0));
                        size = static_cast<uint64_t>(st.columnInt(1));
                    }
                    db->prepare(kDeleteThrough).bindInt(1, asInt(seq)).run();
                    db->prepare(kSetAcked).bindInt(1, asInt(seq)).run();
                });
            });
        } catch (...) {
            recover();
            throw;
        }
        lessBy(depth, count);
        lessBy(bytes, size);
        acked_seq = seq;
    }

    // After a failed write (disk full, I/O error) the transaction was rolled back: re-read the
    // state from the file, so the next seq follows what is really stored. If the failure came
    // after SQLite made the commit durable, this picks that up too.
    void recover() noexcept {
        try {
            load();
        } catch (...) {
            // The original error is what the caller needs; the next call will fail again
            // with its own message if the file is unreadable.
        }
    }
};

Journal::Journal(const std::filesystem::path& path, mamori::proto::Ed25519Key key, uint64_t cap_bytes)
    : impl_(new Impl(path, std::move(key), cap_bytes)) {
    try {
        impl_->named([&] { impl_->open(); });
    } catch (...) {
        delete impl_;
        throw;
    }
}

Journal::~Journal() { delete impl_; }

mamori::v1::Event Journal::append(mamori::v1::EventBody body, const std::optional<Cursor>& cursor) {
    std::lock_guard lock(impl_->mu);
    return impl_->named([&] { return impl_->append(std::move(body), cursor); });
}

std::optional<std::string> Journal::cursor(const std::string& name) const {
    std::lock_guard lock(impl_->mu);
    return impl_->named([&] {
        std::optional<std::string> value;
        Impl::context("cannot read a cursor", [&] {
            auto st = impl_->db->prepare(kSelectCursor);
            st.bindText(1, name);
            if (st.step()) value = st.columnText(0);
        });
        return value;
    });
}

void Journal::setCap(uint64_t cap_bytes) {
    std::lock_guard lock(impl_->mu);
    impl_->cap_bytes = cap_bytes;
}

uint64_t Journal::cap() const {
    std::lock_guard lock(impl_->mu);
    return impl_->cap_bytes;
}

std::vector<mamori::v1::Event> Journal::pending(size_t max_events, uint64_t after_seq) const {
    std::lock_guard lock(impl_->mu);
    return impl_->named([&] { return impl_->pending(max_events, after_seq); });
}

void Journal::acknowledge(uint64_t seq) {
    std::lock_guard lock(impl_->mu);
    impl_->named([&] { impl_->acknowledge(seq); });
}

Journal::Stats Journal::stats() const {
    std::lock_guard lock(impl_->mu);
    Stats s;
    s.depth = impl_->depth;
    s.bytes = impl_->bytes;
    s.head_seq = impl_->chain.head().seq;
    s.acked_seq = impl_->acked_seq;
    s.head_utc_ns = impl_->head_utc_ns;
    return s;
}

mamori::proto::ChainHead Journal::head() const {
    std::lock_guard lock(impl_->mu);
    return impl_->chain.head();
}

}  // namespace mamori::agent
