#include "collector/StoreTable.h"

namespace mamori::collector {

const std::vector<StoreTable>& storeTables() {
    using K = StoreColumn::Kind;
    // Keep in step with the schemas of SqliteStore and PostgresStore: a column missing here is
    // not copied, which StoreMigration_test catches by comparing each table with the schema.
    static const std::vector<StoreTable> tables{
        {"settings", {{"key", K::Text}, {"value", K::Text}}, 1},
        {"admin_users", {{"name", K::Text}, {"role", K::Text}, {"sections", K::Text}, {"token_hash", K::Text}}, 1},
        {"enroll_tokens",
         {{"token_hash", K::Text},
          {"group_name", K::Text},
          {"expires_unix", K::Integer},
          {"created_by", K::Text},
          {"used", K::Boolean},
          {"used_unix", K::Integer}},
         1},
        {"terminals",
         {{"id", K::Text},
          {"hostname", K::Text},
          {"group_name", K::Text},
          {"certificate_pem", K::Text},
          {"public_key", K::Blob},
          {"enrolled_unix", K::Integer},
          {"last_seen_unix", K::Integer},
          {"head_seq", K::Integer},
          {"head_hash", K::Blob},
          {"applied_policy_version", K::Integer},
          {"clock_skew_ms", K::Integer},
          {"policy_reissue_version", K::Integer}},
         1},
        {"policies",
         {{"version", K::Integer},
          {"group_name", K::Text},
          {"name", K::Text},
          {"policy", K::Blob},
          {"created_unix", K::Integer},
          {"created_by", K::Text}},
         1},
        {"exceptions",
         {{"id", K::Text},
          {"version", K::Integer},
          {"terminal_id", K::Text},
          {"group_name", K::Text},
          {"expires_unix", K::Integer},
          {"created_unix", K::Integer},
          {"exception", K::Blob}},
         1},
        {"events",
         {{"terminal_id", K::Text},
          {"seq", K::Integer},
          {"utc_ns", K::Integer},
          {"local_date", K::Text},
          {"type", K::Integer},
          {"control", K::Integer},
          {"violation", K::Boolean},
          {"outcome", K::Integer},
          {"rule_id", K::Text},
          {"body", K::Blob},
          {"prev_hash", K::Blob},
          {"hash", K::Blob},
          {"signature", K::Blob}},
         2},
        {"daily_compliance",
         {{"date", K::Text},
          {"terminal_id", K::Text},
          {"control", K::Integer},
          {"events", K::Integer},
          {"violations", K::Integer},
          {"exempted", K::Integer},
          {"first_violation_ns", K::Integer},
          {"last_event_ns", K::Integer}},
         3},
        {"evidence_issues",
         {{"id", K::Integer},
          {"terminal_id", K::Text},
          {"kind", K::Text},
          {"first_seq", K::Integer},
          {"last_seq", K::Integer},
          {"detail", K::Text},
          {"local_date", K::Text},
          {"recorded_unix", K::Integer}},
         1},
        {"access_log",
         {{"id", K::Integer},
          {"at_unix", K::Integer},
          {"user_name", K::Text},
          {"role", K::Text},
          {"terminal_id", K::Text},
          {"action", K::Text}},
         1},
    };
    return tables;
}

std::string columnNames(const StoreTable& table, size_t count) {
    std::string out;
    for (size_t i = 0; i < count; ++i) out += (i ? ", " : "") + std::string(table.columns[i].name);
    return out;
}

}  // namespace mamori::collector
