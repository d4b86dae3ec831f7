#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/StandingCondition.h"
#include "mamori/v1/event.pb.h"

namespace mamori::collector {

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
    int64_t arrival_unix = 0;       // the collector's clock: retention counts from it
    bool filed_by_arrival = false;  // local_date is the arrival's (the terminal's clock was not believed)
    std::optional<StandingCondition> condition;  // what it opens or clears, applied when it is stored

    // The time it is filed by: its own, or its arrival's when that was not believed.
    int64_t filedUnix() const { return filed_by_arrival ? arrival_unix : utc_ns / 1'000'000'000; }
};

// A problem with the evidence itself: a seq gap, a broken chain, a fork. Stored as a violation
// of control EVIDENCE on local_date, and kept as its own record for audits.
struct EvidenceIssue {
    std::string kind;  // "gap", "tampered", "fork", "journal-gap"
    uint64_t first_seq = 0;
    uint64_t last_seq = 0;
    std::string detail;
    std::string local_date;
    int64_t recorded_unix = 0;
};

struct IngestBatch {
    std::string terminal_id;
    std::vector<IngestEvent> events;        // ascending seqs, oldest first
    std::vector<EvidenceIssue> issues;      // recorded in the same transaction
    uint64_t new_head_seq = 0;              // head after this batch (never lowered)
    std::string new_head_hash;
    int64_t now_unix = 0;
};

struct IngestResult {
    uint32_t stored = 0;
    uint32_t duplicates = 0;
    uint64_t head_seq = 0;
};

struct StoredEvent {
    uint64_t seq = 0;
    int64_t utc_ns = 0;
    std::string body, prev_hash, hash, signature;
    int64_t arrival_unix = 0;
    bool filed_by_arrival = false;
    std::string local_date;  // the date it is filed under
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

// The events themselves and the problems found in their chains: ingest, reads, retention.
class EvidenceStore {
public:
    virtual ~EvidenceStore() = default;

    // Dedup by (terminal, seq); daily compliance and head updated in the same transaction.
    // Throws common::UserError (NotFound) for an unknown terminal.
    virtual IngestResult ingest(const IngestBatch& batch) = 0;
    // The stored hash of (terminal, seq), to tell a replay from a rewrite.
    virtual std::optional<std::string> eventHash(const std::string& terminal_id, uint64_t seq) = 0;
    // Events after after_seq, in seq order, whose time (their own, or their arrival's when they
    // are filed by it) is at or after since_utc_ns.
    virtual std::vector<StoredEvent> events(const std::string& terminal_id, int64_t since_utc_ns,
                                            uint64_t after_seq, uint32_t limit) = 0;
    // The lowest and highest seq of the terminal's events of local dates from..to (inclusive);
    // nothing when it has none. An export takes every event between them, so its chain is whole.
    virtual std::optional<std::pair<uint64_t, uint64_t>> seqRangeOfDates(const std::string& terminal_id,
                                                                         const std::string& from_date,
                                                                         const std::string& to_date) = 0;
    virtual std::vector<EvidenceIssue> evidenceIssues(const std::string& terminal_id) = 0;

    // Retention (RetentionPurge): deletes the events that arrived before arrived_before_unix (the
    // collector's clock: a terminal's claim of 2001 never shortens how long its evidence is kept),
    // and the daily compliance rows and evidence issues of local dates before before_date
    // (YYYY-MM-DD). Terminals keep their heads, so ingest and the chain checks of newer events go
    // on as before. Deletes in small transactions per terminal, so ingest is never held up for long.
    virtual PurgedEvents purgeEventsBefore(const std::string& before_date, int64_t arrived_before_unix) = 0;
};

}  // namespace mamori::collector
