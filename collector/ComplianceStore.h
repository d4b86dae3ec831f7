#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mamori/v1/event.pb.h"

namespace mamori::collector {

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
    int64_t clock_skew_ms = 0;   // the terminal's, measured at its last sync
};

// A standing condition (StandingCondition) over its life: open from since_date until
// cleared_date (inclusive: it was there part of that day); cleared_unix 0 while it is open.
struct ConditionRow {
    std::string terminal_id;
    std::string group;
    mamori::v1::Control control = mamori::v1::CONTROL_UNSPECIFIED;
    std::string key;
    std::string reason;
    int64_t since_unix = 0;
    std::string since_date;
    int64_t cleared_unix = 0;
    std::string cleared_date;
    int64_t last_seen_unix = 0;  // the terminal's, now
    int64_t clock_skew_ms = 0;

    bool openOn(const std::string& date) const {
        return since_date <= date && (cleared_unix == 0 || cleared_date >= date);
    }
};

// The daily compliance table and the standing conditions that ingest keeps, as the compliance
// views read them.
class ComplianceStore {
public:
    virtual ~ComplianceStore() = default;

    // Compliance for local dates from..to (inclusive), by date, terminal and control; rows with
    // violations or exemptions only unless all_rows.
    virtual std::vector<ComplianceRow> complianceBetween(const std::string& from_date, const std::string& to_date,
                                                         bool all_rows) = 0;
    std::vector<ComplianceRow> compliance(const std::string& date, bool all_rows) {
        return complianceBetween(date, date, all_rows);
    }
    // The conditions of enrolled terminals open on some local date of from..to (inclusive),
    // by terminal, control and since.
    virtual std::vector<ConditionRow> conditionsBetween(const std::string& from_date, const std::string& to_date) = 0;
    // The days of one month, from_date..to_date (both in that month), on which each terminal
    // reported at least one event: bit d-1 is day d. Terminals with none are left out; no
    // particular order. One row per terminal, not per day: a month of a large fleet is
    // hundreds of thousands of reporting days.
    virtual std::vector<std::pair<std::string, uint32_t>> reportingDays(const std::string& from_date,
                                                                        const std::string& to_date) = 0;
};

}  // namespace mamori::collector
