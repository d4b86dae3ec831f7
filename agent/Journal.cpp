#include "agent/Journal.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace mamori::agent {

namespace {

using Db = std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)>;
using Stmt = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

// Bumped whenever the schema changes; a journal written by a newer agent is refused rather
// than misread, since it is evidence.
constexpr int kSchemaVersion = 1;

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
  acked_seq INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta(id, head_seq, head_hash, acked_seq) VALUES (1, 0, zeroblob(32), 0);
)sql";

uint64_t storedSize(const mamori::v1::Event& ev) {
    return ev.body().size() + ev.prev_hash().size() + ev.hash().size() + ev.signature().size();
}

std::string columnBlob(sqlite3_stmt* st, int col) {
    const void* p = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

}  // namespace

struct Journal::Impl {
    std::filesystem::path path;
    uint64_t cap_bytes;
    mamori::proto::Ed25519Key key;
    mamori::proto::EventChain chain;

    // Mirrors of what is on disk, reloaded from it after any failed write so they never
    // drift from the file.
    uint64_t acked_seq = 0;
    uint64_t depth = 0;
    uint64_t bytes = 0;

    mutable std::mutex mu;

    // Declared before the statements so it is closed after they are finalized.
    Db db{nullptr, &sqlite3_close_v2};
    Stmt begin{nullptr, &sqlite3_finalize};
    Stmt commit{nullptr, &sqlite3_finalize};
    Stmt rollback{nullptr, &sqlite3_finalize};
    Stmt insert_event{nullptr, &sqlite3_finalize};
    Stmt set_head{nullptr, &sqlite3_finalize};
    Stmt set_acked{nullptr, &sqlite3_finalize};
    Stmt oldest{nullptr, &sqlite3_finalize};
    Stmt delete_through{nullptr, &sqlite3_finalize};
    Stmt totals_through{nullptr, &sqlite3_finalize};
    Stmt select_pending{nullptr, &sqlite3_finalize};
    Stmt select_meta{nullptr, &sqlite3_finalize};
    Stmt select_totals{nullptr, &sqlite3_finalize};
    Stmt select_last{nullptr, &sqlite3_finalize};

    Impl(std::filesystem::path p, mamori::proto::Ed25519Key k, uint64_t cap)
        : path(std::move(p)), cap_bytes(cap), key(std::move(k)), chain(key, {}) {}

    [[noreturn]] void fail(const std::string& what) const {
        std::string msg = "journal " + path.string() + ": " + what;
        if (db) msg += ": " + std::string(sqlite3_errmsg(db.get()));
        throw std::runtime_error(msg);
    }

    void check(int rc, const char* what) const {
        if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) fail(what);
    }

    void exec(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "unknown error";
            sqlite3_free(err);
            throw std::runtime_error("journal " + path.string() + ": " + msg);
        }
    }

    Stmt prepare(const char* sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
            fail(std::string("cannot prepare ") + sql);
        return Stmt(st, &sqlite3_finalize);
    }

    // Resets a statement that failed and throws; the message is taken before the reset.
    [[noreturn]] void failStmt(sqlite3_stmt* st, const char* what) const {
        std::string msg = "journal " + path.string() + ": " + what + ": " + sqlite3_errmsg(db.get());
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        throw std::runtime_error(msg);
    }

    // Steps a statement that returns no row and resets it so it can be reused at once.
    void run(const Stmt& st, const char* what) {
        if (sqlite3_step(st.get()) != SQLITE_DONE) failStmt(st.get(), what);
        sqlite3_reset(st.get());
        sqlite3_clear_bindings(st.get());
    }

    void bindInt(const Stmt& st, int i, uint64_t v) {
        check(sqlite3_bind_int64(st.get(), i, static_cast<sqlite3_int64>(v)), "cannot bind");
    }
    void bindBlob(const Stmt& st, int i, const std::string& v) {
        // SQLITE_STATIC: the string outlives the step that reads it.
        check(sqlite3_bind_blob64(st.get(), i, v.data(), v.size(), SQLITE_STATIC), "cannot bind");
    }

    void open() {
        std::error_code ec;
        if (path.has_parent_path()) {
            std::filesystem::create_directories(path.parent_path(), ec);
            if (ec) throw std::runtime_error("journal " + path.string() + ": cannot create its directory: " + ec.message());
        }
        // Created here rather than by SQLite so it is 0600 from its first instant (it is
        // evidence, and names users and devices); SQLite gives its -wal and -shm files the
        // mode of the database file. An existing file is tightened the same way.
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            throw std::runtime_error("journal " + path.string() + ": cannot open: " + std::strerror(errno));
        int chmod_rc = ::fchmod(fd, 0600);
        int chmod_errno = errno;
        ::close(fd);
        if (chmod_rc != 0)
            throw std::runtime_error("journal " + path.string() + ": cannot restrict its mode: " +
                                     std::strerror(chmod_errno));

        sqlite3* raw = nullptr;
        // NOMUTEX: every use is under mu already. NOFOLLOW: the file must be the one we vetted.
        int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, nullptr);
        db.reset(raw);  // even on failure, so the handle is freed
        if (rc != SQLITE_OK) fail("cannot open");
        sqlite3_extended_result_codes(db.get(), 1);
        // Another process (a status tool) may read the file; wait for it rather than fail.
        sqlite3_busy_timeout(db.get(), 5000);

        {
            Stmt mode = prepare("PRAGMA journal_mode=WAL");
            if (sqlite3_step(mode.get()) != SQLITE_ROW) fail("cannot enable WAL");
            std::string got = reinterpret_cast<const char*>(sqlite3_column_text(mode.get(), 0));
            if (got != "wal") throw std::runtime_error("journal " + path.string() + ": WAL unavailable (mode " + got + ")");
        }
        // FULL: in WAL mode the WAL is fsync'd on every commit, so a committed event survives
        // a power cut and not only a crash of the agent.
        exec("PRAGMA synchronous=FULL");
        // The WAL is truncated back to this after a checkpoint instead of keeping its peak size.
        exec("PRAGMA journal_size_limit=4194304");

        {
            Stmt ver = prepare("PRAGMA user_version");
            if (sqlite3_step(ver.get()) != SQLITE_ROW) fail("cannot read the schema version");
            int v = sqlite3_column_int(ver.get(), 0);
            if (v > kSchemaVersion)
                throw std::runtime_error("journal " + path.string() + ": written by a newer agent (schema " +
                                         std::to_string(v) + ")");
        }
        exec("BEGIN IMMEDIATE");
        try {
            exec(kSchema);
            exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
            exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }

        begin = prepare("BEGIN IMMEDIATE");
        commit = prepare("COMMIT");
        rollback = prepare("ROLLBACK");
        insert_event = prepare(
            "INSERT INTO events(seq, body, prev_hash, hash, signature, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        set_head = prepare("UPDATE meta SET head_seq = ?1, head_hash = ?2 WHERE id = 1");
        set_acked = prepare("UPDATE meta SET acked_seq = ?1 WHERE id = 1");
        oldest = prepare("SELECT seq, size FROM events ORDER BY seq");
        delete_through = prepare("DELETE FROM events WHERE seq <= ?1");
        totals_through = prepare("SELECT count(*), coalesce(sum(size), 0) FROM events WHERE seq <= ?1");
        select_pending = prepare("SELECT body, prev_hash, hash, signature FROM events WHERE seq > ?2 ORDER BY seq LIMIT ?1");
        select_meta = prepare("SELECT head_seq, head_hash, acked_seq FROM meta WHERE id = 1");
        select_totals = prepare("SELECT count(*), coalesce(sum(size), 0) FROM events");
        select_last = prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");

        load();
    }

    // Reads the head, the acknowledged seq and the totals back from the file. The head lives
    // in meta, not only in the last event row, because acknowledged events are deleted and
    // the next seq must still follow the last one ever written.
    void load() {
        mamori::proto::ChainHead head;
        {
            sqlite3_stmt* st = select_meta.get();
            if (sqlite3_step(st) != SQLITE_ROW) failStmt(st, "cannot read the chain head");
            head.seq = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
            head.hash = columnBlob(st, 1);
            acked_seq = static_cast<uint64_t>(sqlite3_column_int64(st, 2));
            sqlite3_reset(st);
        }
        {
            sqlite3_stmt* st = select_totals.get();
            if (sqlite3_step(st) != SQLITE_ROW) failStmt(st, "cannot count the stored events");
            depth = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
            bytes = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
            sqlite3_reset(st);
        }
        {
            // Head and rows are written in one transaction, so they can only disagree if the
            // file was altered: refuse to extend a chain whose end we cannot trust.
            sqlite3_stmt* st = select_last.get();
            int rc = sqlite3_step(st);
            bool consistent = head.hash.size() == 32;
            if (rc == SQLITE_ROW)
                consistent = consistent && static_cast<uint64_t>(sqlite3_column_int64(st, 0)) == head.seq &&
                             columnBlob(st, 1) == head.hash;
            else if (rc != SQLITE_DONE)
                failStmt(st, "cannot read the last event");
            sqlite3_reset(st);
            if (!consistent)
                throw std::runtime_error("journal " + path.string() +
                                         ": the recorded chain head does not match the stored events");
        }
        chain = mamori::proto::EventChain(key, head);
    }

    void insert(const mamori::v1::Event& ev, uint64_t seq) {
        uint64_t size = storedSize(ev);
        bindInt(insert_event, 1, seq);
        bindBlob(insert_event, 2, ev.body());
        bindBlob(insert_event, 3, ev.prev_hash());
        bindBlob(insert_event, 4, ev.hash());
        bindBlob(insert_event, 5, ev.signature());
        bindInt(insert_event, 6, size);
        run(insert_event, "cannot store event");
        ++depth;
        bytes += size;
    }

    // Deletes the oldest stored events until at most target bytes remain; returns the last
    // seq deleted, or 0 if none was.
    uint64_t dropOldest(uint64_t target) {
        uint64_t last = 0, freed = 0, count = 0;
        sqlite3_stmt* st = oldest.get();
        while (bytes - freed > target) {
            int rc = sqlite3_step(st);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) failStmt(st, "cannot read the oldest events");
            last = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
            freed += static_cast<uint64_t>(sqlite3_column_int64(st, 1));
            ++count;
        }
        sqlite3_reset(st);
        if (count == 0) return 0;
        bindInt(delete_through, 1, last);
        run(delete_through, "cannot drop the oldest events");
        depth -= count;
        bytes -= freed;
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

    mamori::v1::Event append(mamori::v1::EventBody body) {
        const uint64_t head_seq = chain.head().seq;
        body.set_seq(head_seq + 1);
        const uint64_t new_size = body.ByteSizeLong() + kLinkBytes;

        txBegin();
        try {
            if (bytes + new_size > cap_bytes && depth > 0) {
                // Sizes with the larger seqs a gap record would cause: varints only grow with
                // the value, so these bound what will really be stored.
                body.set_seq(head_seq + 2);
                uint64_t need = body.ByteSizeLong() + kLinkBytes +
                                gapBody(body, head_seq + 1, head_seq + 1).ByteSizeLong() + kLinkBytes +
                                cap_bytes / kDropHeadroomDivisor;
                uint64_t target = cap_bytes > need ? cap_bytes - need : 0;
                uint64_t last_lost = dropOldest(target);
                // The gap always spans everything after the acknowledged seq up to the last event
                // no longer held, not just this round's drop. Earlier gap records of the same
                // loss are oldest and so are the first dropped; any that survive describe a
                // subset of this range. Hence the newest gap record alone tells the collector all
                // it can no longer receive, whichever earlier ones reach it.
                if (last_lost != 0) {
                    mamori::v1::Event gap = chain.append(gapBody(body, acked_seq + 1, last_lost));
                    insert(gap, chain.head().seq);
                }
            }
            // An event larger than the whole cap is still stored, alone: refusing it would lose
            // it with no record at all.
            mamori::v1::Event ev = chain.append(std::move(body));
            insert(ev, chain.head().seq);
            bindInt(set_head, 1, chain.head().seq);
            bindBlob(set_head, 2, chain.head().hash);
            run(set_head, "cannot record the chain head");
            txCommit();
            return ev;
        } catch (...) {
            recover();
            throw;
        }
    }

    std::vector<mamori::v1::Event> pending(size_t max_events, uint64_t after_seq) {
        std::vector<mamori::v1::Event> out;
        if (max_events == 0) return out;
        sqlite3_stmt* st = select_pending.get();
        uint64_t limit = std::min<uint64_t>(max_events, std::numeric_limits<sqlite3_int64>::max());
        bindInt(select_pending, 1, limit);
        bindInt(select_pending, 2, std::min<uint64_t>(after_seq, std::numeric_limits<sqlite3_int64>::max()));
        out.reserve(std::min<uint64_t>(limit, depth));
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            mamori::v1::Event& ev = out.emplace_back();
            ev.set_body(columnBlob(st, 0));
            ev.set_prev_hash(columnBlob(st, 1));
            ev.set_hash(columnBlob(st, 2));
            ev.set_signature(columnBlob(st, 3));
        }
        if (rc != SQLITE_DONE) failStmt(st, "cannot read pending events");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return out;
    }

    void acknowledge(uint64_t seq) {
        // Beyond the head the collector claims events this journal never wrote (another
        // install's chain, a confused collector): keep everything rather than trust it.
        // Below or at the acknowledged seq it is a late duplicate.
        if (seq > chain.head().seq || seq <= acked_seq) return;
        txBegin();
        try {
            sqlite3_stmt* st = totals_through.get();
            bindInt(totals_through, 1, seq);
            if (sqlite3_step(st) != SQLITE_ROW) failStmt(st, "cannot count acknowledged events");
            uint64_t count = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
            uint64_t size = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            bindInt(delete_through, 1, seq);
            run(delete_through, "cannot delete acknowledged events");
            bindInt(set_acked, 1, seq);
            run(set_acked, "cannot record the acknowledged seq");
            txCommit();
            depth -= count;
            bytes -= size;
            acked_seq = seq;
        } catch (...) {
            recover();
            throw;
        }
    }

    void txBegin() { run(begin, "cannot begin a transaction"); }
    void txCommit() { run(commit, "cannot commit"); }

    // After a failed write (disk full, I/O error): undo what the transaction did and re-read
    // the state from the file, so the next seq follows what is really stored. If the failure
    // came after SQLite made the commit durable, this picks that up too.
    void recover() noexcept {
        if (!sqlite3_get_autocommit(db.get())) {
            sqlite3_step(rollback.get());
            sqlite3_reset(rollback.get());
        }
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
        impl_->open();
    } catch (...) {
        delete impl_;
        throw;
    }
}

Journal::~Journal() { delete impl_; }

mamori::v1::Event Journal::append(mamori::v1::EventBody body) {
    std::lock_guard lock(impl_->mu);
    return impl_->append(std::move(body));
}

std::vector<mamori::v1::Event> Journal::pending(size_t max_events, uint64_t after_seq) const {
    std::lock_guard lock(impl_->mu);
    return impl_->pending(max_events, after_seq);
}

void Journal::acknowledge(uint64_t seq) {
    std::lock_guard lock(impl_->mu);
    impl_->acknowledge(seq);
}

Journal::Stats Journal::stats() const {
    std::lock_guard lock(impl_->mu);
    Stats s;
    s.depth = impl_->depth;
    s.bytes = impl_->bytes;
    s.head_seq = impl_->chain.head().seq;
    s.acked_seq = impl_->acked_seq;
    return s;
}

mamori::proto::ChainHead Journal::head() const {
    std::lock_guard lock(impl_->mu);
    return impl_->chain.head();
}

}  // namespace mamori::agent
