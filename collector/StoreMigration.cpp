#include "collector/StoreMigration.h"

#include <stdexcept>

namespace mamori::collector {

std::vector<StoreMigration::TableCount> StoreMigration::run(StoreCopy& from, StoreCopy& to,
                                                            const std::function<void(const std::string&)>& progress) {
    for (const auto& t : storeTables())
        if (const uint64_t n = to.rowCount(t))
            throw std::runtime_error("the destination store is not empty: table " + std::string(t.name) + " has " +
                                     std::to_string(n) + " rows; give a new, empty database\n移行先が空ではありません（" +
                                     t.name + " に " + std::to_string(n) + " 行）。空のデータベースを指定してください。");
    // Pages of rows: a store of millions of events never sits in memory at once.
    constexpr size_t kPage = 2000;
    std::vector<TableCount> counts;
    for (const auto& t : storeTables()) {
        if (progress) progress(t.name);
        TableCount count{t.name, 0, 0};
        std::vector<TableRow> page = from.readRows(t, nullptr, kPage);
        while (!page.empty()) {
            to.writeRows(t, page);
            count.copied += page.size();
            if (page.size() < kPage) break;
            const TableRow last_key(page.back().begin(), page.back().begin() + static_cast<long>(t.key_columns));
            page = from.readRows(t, &last_key, kPage);
        }
        counts.push_back(count);
    }
    to.finishCopy(from.lastPolicyVersion());

    std::string mismatches;
    for (auto& c : counts) {
        for (const auto& t : storeTables()) {
            if (c.table != t.name) continue;
            c.source = from.rowCount(t);
            const uint64_t stored = to.rowCount(t);
            if (c.source != c.copied || stored != c.copied)
                mismatches += "\n  " + c.table + ": " + std::to_string(c.source) + " rows in the source, " +
                              std::to_string(c.copied) + " copied, " + std::to_string(stored) + " in the destination";
        }
    }
    if (!mismatches.empty())
        throw std::runtime_error("the copy does not match the source (was the collector still running?):" + mismatches +
                                 "\n移行元と移行先の件数が一致しません。コレクターを停止し、空のデータベースに移行し直してください。");
    return counts;
}

}  // namespace mamori::collector
