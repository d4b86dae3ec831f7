#include "collector/PgStatementCache.h"

namespace mamori::collector {

std::string PgStatementCache::key(std::string_view sql, std::span<const unsigned> types) {
    std::string k(sql);
    // After a NUL, which no statement text holds, so no two (sql, types) pairs share a key.
    k += '\0';
    for (unsigned t : types) k += std::to_string(t) + ',';
    return k;
}

PgStatementCache::Plan PgStatementCache::plan(const std::string& key) {
    if (auto it = prepared_.find(key); it != prepared_.end()) return {Action::RunPrepared, it->second};
    if (prepared_.size() >= kMaxPrepared) return {Action::RunUnnamed, {}};
    if (seen_.erase(key)) return {Action::Prepare, "mamori_" + std::to_string(++next_)};
    // Forgetting every statement seen once is crude, but it bounds the set, and a statement
    // that matters comes back at once.
    if (seen_.size() >= kMaxSeen) seen_.clear();
    seen_.insert(key);
    return {Action::RunUnnamed, {}};
}

void PgStatementCache::prepared(const std::string& key, const std::string& name) { prepared_[key] = name; }

void PgStatementCache::clear() {
    prepared_.clear();
    seen_.clear();
}

}  // namespace mamori::collector
