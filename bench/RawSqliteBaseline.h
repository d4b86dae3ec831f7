#pragma once
// The ceiling the collector's ingest is measured against: the same rows written straight into
// SQLite by one thread, with nothing in between. A table keyed by (terminal, seq) holding each
// chain link as one blob, one transaction per batch, in the order the batches were uploaded.
// Same file system, page size and WAL mode as the collector's store.
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace mamori::bench {

class RawSqliteBaseline {
public:
    // One stored row: the chain link (a serialized mamori::v1::Event) as one blob.
    struct Row {
        uint64_t seq;
        std::string event;
    };
    // One batch, one transaction: the terminal and its rows (borrowed, not copied).
    struct Batch {
        const std::string* terminal;
        const std::vector<Row>* rows;
    };

    // durable: synchronous=FULL, so each COMMIT is on disk before the next batch, which is the
    // promise the collector makes before it acknowledges. Otherwise synchronous=OFF: no flush
    // at all, the upper bound of what SQLite can do on this machine.
    RawSqliteBaseline(std::filesystem::path file, bool durable) : file_(std::move(file)), durable_(durable) {}

    // Returns events per second over all batches.
    double run(const std::vector<Batch>& batches) {
        std::filesystem::remove(file_);
        std::filesystem::remove(file_.string() + "-wal");
        std::filesystem::remove(file_.string() + "-shm");
        sqlite3* db = nullptr;
        if (sqlite3_open(file_.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + file_.string());
        exec(db, "PRAGMA page_size = 16384");
        exec(db, "PRAGMA journal_mode = WAL");
        exec(db, durable_ ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF");
        exec(db, "PRAGMA cache_size = -16384");
        exec(db,
             "CREATE TABLE raw_events (terminal_id TEXT NOT NULL, seq INTEGER NOT NULL, event BLOB NOT NULL, "
             "PRIMARY KEY (terminal_id, seq)) WITHOUT ROWID");
        sqlite3_stmt *insert = nullptr, *begin = nullptr, *commit = nullptr;
        prepare(db, "INSERT INTO raw_events (terminal_id, seq, event) VALUES (?1, ?2, ?3)", &insert);
        prepare(db, "BEGIN IMMEDIATE", &begin);
        prepare(db, "COMMIT", &commit);

        size_t events = 0;
        auto t0 = std::chrono::steady_clock::now();
        for (const Batch& b : batches) {
            step(db, begin);
            for (const Row& row : *b.rows) {
                sqlite3_bind_text(insert, 1, b.terminal->data(), static_cast<int>(b.terminal->size()), SQLITE_STATIC);
                sqlite3_bind_int64(insert, 2, static_cast<sqlite3_int64>(row.seq));
                sqlite3_bind_blob(insert, 3, row.event.data(), static_cast<int>(row.event.size()), SQLITE_STATIC);
                step(db, insert);
            }
            step(db, commit);
            events += b.rows->size();
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        sqlite3_finalize(insert);
        sqlite3_finalize(begin);
        sqlite3_finalize(commit);
        sqlite3_close(db);
        std::filesystem::remove(file_);
        std::filesystem::remove(file_.string() + "-wal");
        std::filesystem::remove(file_.string() + "-shm");
        return static_cast<double>(events) / seconds;
    }

private:
    static void exec(sqlite3* db, const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string why = err ? err : "unknown error";
            sqlite3_free(err);
            throw std::runtime_error(std::string(sql) + ": " + why);
        }
    }
    static void prepare(sqlite3* db, const char* sql, sqlite3_stmt** stmt) {
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db));
    }
    static void step(sqlite3* db, sqlite3_stmt* stmt) {
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) throw std::runtime_error(std::string("baseline insert: ") + sqlite3_errmsg(db));
    }

    std::filesystem::path file_;
    bool durable_;
};

}  // namespace mamori::bench
