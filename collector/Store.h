#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/StoreTable.h"
#include "mamori/v1/event.pb.h"

namespace mamori::collector {

// An enrolled terminal. Its id is its certificate's CN: nothing else names a terminal.
struct TerminalRecord {
    std::string id;
    std::string hostname;
    std::string group;        // section (所属) or network tier
    std::string certificate_pem;
    std::string public_key;   // raw Ed25519, from the certificate
    int64_t enrolled_unix = 0;
    int64_t last_seen_unix = 0;
    uint64_t head_seq = 0;
    std::string head_hash = std::string(32, '\0');
    uint64_t applied_policy_version = 0;
    int64_t clock_skew_ms = 0;
    // A version drawn from the policy version counter when the terminal last moved to another
    // group. Agents only take versions newer than the one they applied, and the new group's
    // policy may carry a lower version than the old one's: the delivery to this terminal carries
    // at least this version, so the move always reaches it (see PolicyResolver).
    uint64_t policy_reissue_version = 0;
};

// One event as the ingest path hands it to the store: the raw chain link plus the fields
// the store indexes. local_date is the municipality's date of the event (YYYY-MM-DD).
struct IngestEvent {
    uint64_t seq = 0;
    int64_t utc_ns = 0;
    std::string local_date;
    mamori::v1::EventType type = mamori::v1::EVENT_TYPE_UNSPECIFIED;
    mamori::v1::Control control = mamori::v1::CONTROL_UNSPECIFIED;
    bool violation = false;
    mamori::v1::Outcome outcome = mamori::v1::OUTCOME_UNSPECIFIED;
    std::string rule_id;
    std::string body, prev_hash, hash, signature;
};

// A problem with the evidence itself: a seq gap, a broken chain, a fork. Stored as a violation
// of control EVIDENCE on local_date, and kept as its own record for audits.
struct EvidenceIssue {
    std::string kind;  // "gap", "broken-chain", "fork", "journal-gap"
    uint64_t first_seq = 0;
    uint64_t last_seq = 0;
    std::string detail;
    std::string local_date;
    int64_t recorded_unix = 0;
};

struct IngestBatch {
    std::string terminal_id;
    std::vector<IngestEvent> events;        // consecutive seqs, oldest first
    std::optional<EvidenceIssue> issue;     // recorded in the same transaction
    uint64_t new_head_seq = 0;              // head after this batch (never lowered)
    std::string new_head_hash;
    int64_t now_unix = 0;
};

struct IngestResult {
    uint32_t stored = 0;
    uint32_t duplicates = 0;
    uint64_t head_seq = 0;
};

// One row of the daily compliance table: (terminal, local date, control) → counts.
struct ComplianceRow {
    std::string terminal_id;
    std::string group;
    std::string date;
    mamori::v1::Control control = mamori::v1::CONTROL_UNSPECIFIED;
    uint32_t events = 0;
    uint32_t violations = 0;
    uint32_t exempted = 0;
    int64_t first_violation_ns = 0;
    int64_t last_event_ns = 0;
    int64_t last_seen_unix = 0;  // the terminal's, now (0 if it is no longer enrolled)
};

struct StoredEvent {
    uint64_t seq = 0;
    int64_t utc_ns = 0;
    std::string body, prev_hash, hash, signature;
};

struct PolicyRecord {
    uint64_t version = 0;
    std::string group;
    std::string name;
    std::string policy;  // serialized mamori::v1::Policy
    int64_t created_unix = 0;
    std::string created_by;
};

// A person who uses the admin endpoint. Roles: admin, officer (sections only), ciso, auditor.
struct AdminUser {
    std::string name;
    std::string role;
    std::vector<std::string> sections;  // for officers
    std::string token_hash;             // SHA-256 hex of the bearer token
};

// An approved exception (例外措置), as granted. The agent receives `exception` (a serialized
// mamori::v1::PolicyException) inside its signed policy; the other fields are what the store
// looks it up by.
//
// version comes from the same counter as policy versions: a grant is a change to what the
// terminals in its scope must enforce, so the policy delivered to them carries
// max(policy version, versions of the exceptions that apply) and is newer than anything they
// applied before the grant. Agents need no notion of exceptions arriving on their own.
struct ExceptionRecord {
    uint64_t version = 0;  // assigned by the store
    std::string id;
    std::string terminal;  // scope: one terminal ...
    std::string group;     // ... or a group
    int64_t expires_unix = 0;
    int64_t created_unix = 0;
    std::string exception;  // serialized mamori::v1::PolicyException
};

// One read of a terminal's evidence through the admin endpoint: who, when, which terminal.
// Kept so the readers themselves can be audited (REQUIREMENTS 004:1070).
struct AccessRecord {
    int64_t at_unix = 0;
    std::string user;
    std::string role;
    std::string terminal_id;
    std::string action;  // "events", or "events (refused)" for a read outside the reader's sections
};

struct EnrollToken {
    std::string token_hash;  // SHA-256 hex of the secret: the secret itself is never stored
    std::string group;
    int64_t expires_unix = 0;
    std::string created_by;
};

// What a retention purge of events removed (RetentionPurge logs it).
struct PurgedEvents {
    uint64_t events = 0;
    std::string first_date, last_date;  // local dates of the removed events; empty when none
    uint64_t compliance_rows = 0;
    uint64_t evidence_issues = 0;

    void noteDate(const std::string& date) {
        if (first_date.empty() || date < first_date) first_date = date;
        if (last_date.empty() || date > last_date) last_date = date;
    }
};

// What a retention purge of exceptions removed.
struct PurgedExceptions {
    uint64_t exceptions = 0;
    int64_t first_expiry_unix = 0, last_expiry_unix = 0;  // 0 when none

    void noteExpiry(int64_t unix) {
        if (first_expiry_unix == 0 || unix < first_expiry_unix) first_expiry_unix = unix;
        if (unix > last_expiry_unix) last_expiry_unix = unix;
    }
};

// Everything the collector keeps. SQLite is the embedded default; PostgreSQL serves several
// collectors sharing one database. Implementations are safe to call from several threads.
class Store {
public:
    virtual ~Store() = default;

    // Enrollment tokens: single use. consume succeeds once, before expiry.
    virtual void addEnrollToken(const EnrollToken& t) = 0;
    virtual std::optional<EnrollToken> consumeEnrollToken(const std::string& token_hash, int64_t now_unix) = 0;

    // Terminals.
    virtual void addTerminal(const TerminalRecord& t) = 0;  // throws if the id exists
    virtual std::optional<TerminalRecord> terminal(const std::string& id) = 0;
    // All terminals ordered by id, without certificate_pem (terminal(id) has it).
    virtual std::vector<TerminalRecord> terminals() = 0;
    // The terminals whose last sign of life (the later of last seen and enrollment) came before
    // before_unix, ordered by id, without certificate_pem: the fleet's silent few, without
    // listing the fleet.
    virtual std::vector<TerminalRecord> silentTerminals(int64_t before_unix) = 0;
    virtual void recordSync(const std::string& id, int64_t now_unix, uint64_t applied_policy_version,
                            int64_t clock_skew_ms) = 0;
    // Moves the terminal and sets its policy_reissue_version to the next version of the policy
    // version counter, which it returns. Throws std::invalid_argument for an unknown terminal.
    virtual uint64_t setTerminalGroup(const std::string& id, const std::string& group) = 0;

    // Events: dedup by (terminal, seq); compliance and head updated in the same transaction.
    virtual IngestResult ingest(const IngestBatch& batch) = 0;
    // The stored hash of (terminal, seq), to tell a replay from a rewrite.
    virtual std::optional<std::string> eventHash(const std::string& terminal_id, uint64_t seq) = 0;
    virtual std::vector<StoredEvent> events(const std::string& terminal_id, int64_t since_utc_ns,
                                            uint64_t after_seq, uint32_t limit) = 0;
    // The lowest and highest seq of the terminal's events of local dates from..to (inclusive);
    // nothing when it has none. An export takes every event between them, so its chain is whole.
    virtual std::optional<std::pair<uint64_t, uint64_t>> seqRangeOfDates(const std::string& terminal_id,
                                                                         const std::string& from_date,
                                                                         const std::string& to_date) = 0;
    virtual std::vector<EvidenceIssue> evidenceIssues(const std::string& terminal_id) = 0;

    // Retention (RetentionPurge): deletes the events, daily compliance rows and evidence issues
    // of local dates before before_date (YYYY-MM-DD). Terminals keep their heads, so ingest and
    // the chain checks of newer events go on as before. Deletes in small transactions per
    // terminal, so ingest is never held up for long.
    virtual PurgedEvents purgeEventsBefore(const std::string& before_date) = 0;
    // Deletes the exceptions whose expiry is at or before expired_by_unix.
    virtual PurgedExceptions purgeExceptionsExpiredBy(int64_t expired_by_unix) = 0;

    // Compliance for local dates from..to (inclusive), by date, terminal and control; rows with
    // violations or exemptions only unless all_rows.
    virtual std::vector<ComplianceRow> complianceBetween(const std::string& from_date, const std::string& to_date,
                                                         bool all_rows) = 0;
    std::vector<ComplianceRow> compliance(const std::string& date, bool all_rows) {
        return complianceBetween(date, date, all_rows);
    }
    // The days of one month, from_date..to_date (both in that month), on which each terminal
    // reported at least one event: bit d-1 is day d. Terminals with none are left out; no
    // particular order. One row per terminal, not per day: a month of a large fleet is
    // hundreds of thousands of reporting days.
    virtual std::vector<std::pair<std::string, uint32_t>> reportingDays(const std::string& from_date,
                                                                        const std::string& to_date) = 0;

    // Policies: versions are global and strictly increasing across groups.
    virtual uint64_t addPolicy(PolicyRecord p) = 0;  // assigns and returns the version
    virtual std::optional<PolicyRecord> latestPolicy(const std::string& group) = 0;

    // Exceptions. addException assigns the next version of the policy version counter and
    // returns it; an id already used is refused. Only unexpired exceptions are returned.
    virtual uint64_t addException(ExceptionRecord e) = 0;
    // Those scoped to this terminal or to its group, oldest version first.
    virtual std::vector<ExceptionRecord> exceptionsFor(const std::string& terminal_id, const std::string& group,
                                                       int64_t now_unix) = 0;
    // All that expire before expiring_before_unix, soonest first.
    virtual std::vector<ExceptionRecord> exceptions(int64_t now_unix, int64_t expiring_before_unix) = 0;

    // Reads of terminals' evidence. accessLog returns the newest first.
    virtual void recordAccess(const AccessRecord& a) = 0;
    virtual std::vector<AccessRecord> accessLog(int64_t since_unix, uint32_t limit) = 0;

    // Copying a whole store (StoreMigration): the rows of one table in key order, after the row
    // whose key columns are `after` (nullptr: from the start), at most `limit`.
    virtual std::vector<TableRow> readRows(const StoreTable& table, const TableRow* after, size_t limit) = 0;
    // Inserts rows read from another store as they are: versions, ids and counts included.
    virtual void writeRows(const StoreTable& table, const std::vector<TableRow>& rows) = 0;
    virtual uint64_t rowCount(const StoreTable& table) = 0;
    // The last version the one policy version counter handed out (0: none), and, after a copy,
    // making it continue after `last_policy_version` and after every copied id.
    virtual uint64_t lastPolicyVersion() = 0;
    virtual void finishCopy(uint64_t last_policy_version) = 0;

    // Small settings (heartbeat deadline, time zone) and the admin users.
    virtual std::optional<std::string> setting(const std::string& key) = 0;
    virtual void putSetting(const std::string& key, const std::string& value) = 0;
    virtual void addAdminUser(const AdminUser& u) = 0;
    virtual std::optional<AdminUser> adminByTokenHash(const std::string& token_hash) = 0;
};

// "sqlite:/path/to/file.db" or a libpq URI "postgresql://user@host:port/database?...".
std::unique_ptr<Store> openStore(const std::string& url);

}  // namespace mamori::collector
