#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "mamori/common/SqliteDb.h"
#include "collector/Store.h"

namespace mamori::collector {

using common::SqliteDb;
using common::SqliteStatement;

// The embedded Store: one SQLite file, no set-up.
//
// Durability: the agent deletes what we acknowledge, so every write is on disk before the call
// returns. SQLite's synchronous=FULL would fsync the WAL inside COMMIT, holding the write lock
// for the whole fsync (several milliseconds, as long as the CPU work of a 500-event batch).
// Instead the connection runs synchronous=NORMAL (which still syncs the WAL header and the
// checkpoints) and each write, after COMMIT and outside the write lock, waits for an
// fdatasync of the WAL that started after its commit: the same guarantee as FULL, but the next
// batch is written while the disk flushes, and one fsync covers every commit before it.
//
// Concurrency: one write connection and one read-only connection, each behind its own mutex.
// WAL lets readers see the last commit while a write is in progress, so the admin queries do
// not wait for ingest. Other processes (mamorictl) may open the same file; busy_timeout and
// BEGIN IMMEDIATE make them queue for the write lock instead of failing.
class SqliteStore final : public Store {
public:
    // Creates the file (mode 0600) and its schema if missing, migrates an older schema, and
    // refuses a file written by a newer version or by something else.
    explicit SqliteStore(const std::string& path);
    ~SqliteStore() override;

    // The schema version this build writes (PRAGMA user_version).
    static constexpr int kSchemaVersion = 4;

    void addEnrollToken(const EnrollToken& t) override;
    std::optional<EnrollToken> consumeEnrollToken(const std::string& token_hash, int64_t now_unix) override;

    void addTerminal(const TerminalRecord& t) override;
    std::optional<TerminalRecord> terminal(const std::string& id) override;
    std::vector<TerminalRecord> terminals() override;
    std::vector<TerminalRecord> silentTerminals(int64_t before_unix) override;
    void recordSync(const std::string& id, int64_t now_unix, uint64_t applied_policy_version,
                    int64_t clock_skew_ms) override;
    uint64_t setTerminalGroup(const std::string& id, const std::string& group) override;

    IngestResult ingest(const IngestBatch& batch) override;
    std::optional<std::string> eventHash(const std::string& terminal_id, uint64_t seq) override;
    std::vector<StoredEvent> events(const std::string& terminal_id, int64_t since_utc_ns, uint64_t after_seq,
                                    uint32_t limit) override;
    std::optional<std::pair<uint64_t, uint64_t>> seqRangeOfDates(const std::string& terminal_id,
                                                                 const std::string& from_date,
                                                                 const std::string& to_date) override;
    std::vector<EvidenceIssue> evidenceIssues(const std::string& terminal_id) override;

    PurgedEvents purgeEventsBefore(const std::string& before_date) override;
    PurgedExceptions purgeExceptionsExpiredBy(int64_t expired_by_unix) override;

    std::vector<ComplianceRow> complianceBetween(const std::string& from_date, const std::string& to_date,
                                                 bool all_rows) override;
    std::vector<std::pair<std::string, uint32_t>> reportingDays(const std::string& from_date,
                                                                const std::string& to_date) override;

    uint64_t addPolicy(PolicyRecord p) override;
    std::optional<PolicyRecord> latestPolicy(const std::string& group) override;

    uint64_t addException(ExceptionRecord e) override;
    std::vector<ExceptionRecord> exceptionsFor(const std::string& terminal_id, const std::string& group,
                                               int64_t now_unix) override;
    std::vector<ExceptionRecord> exceptions(int64_t now_unix, int64_t expiring_before_unix) override;

    void recordAccess(const AccessRecord& a) override;
    std::vector<AccessRecord> accessLog(int64_t since_unix, uint32_t limit) override;

    std::vector<TableRow> readRows(const StoreTable& table, const TableRow* after, size_t limit) override;
    void writeRows(const StoreTable& table, const std::vector<TableRow>& rows) override;
    uint64_t rowCount(const StoreTable& table) override;
    uint64_t lastPolicyVersion() override;
    void finishCopy(uint64_t last_policy_version) override;

    std::optional<std::string> setting(const std::string& key) override;
    void putSetting(const std::string& key, const std::string& value) override;
    void addAdminUser(const AdminUser& u) override;
    std::optional<AdminUser> adminByTokenHash(const std::string& token_hash) override;

private:
    // The file's schema version; throws unless the file is new, or mamori's and not newer.
    int64_t checkedSchemaVersion();
    void migrate();
    IngestResult ingestLocked(const IngestBatch& batch);
    // Inside a write transaction: the next version of the one policy version counter.
    uint64_t nextPolicyVersionLocked();
    // Runs body under the write lock, then waits until what it committed is on disk. A body
    // that throws committed nothing (its transaction rolled back), so nothing is waited for.
    template <class Body>
    auto writeDurably(Body&& body);
    // Under write_mutex_, after a COMMIT: the number to hand to waitDurable().
    uint64_t noteCommit() { return ++commits_; }
    // Returns once the WAL is on disk up to and including commit number `commit`.
    void waitDurable(uint64_t commit);
    void syncWal();
    std::string diskFailureMessage() const;

    std::mutex write_mutex_;
    std::unique_ptr<SqliteDb> write_;
    std::atomic<uint64_t> commits_{0};
    std::atomic<bool> failed_{false};  // an fsync failed: refuse every write from now on

    std::mutex sync_mutex_;  // one fdatasync at a time; later commits wait and usually ride along
    uint64_t synced_ = 0;    // commits known to be on disk
    std::string wal_path_;
    int wal_fd_ = -1;

    std::mutex read_mutex_;
    std::unique_ptr<SqliteDb> read_;
};

}  // namespace mamori::collector
