#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "collector/StoreCopy.h"

namespace mamori::collector {

// Copies a whole store into an empty one of either kind (mamori-collector migrate: a site outgrowing
// its SQLite file moves to PostgreSQL): every table row by row as it is, with versions, ids and
// the policy version counter, so agents see no difference. The collector must be stopped: the
// row counts of every table are compared after the copy, and a source that changed meanwhile
// fails the check.
class StoreMigration {
public:
    struct TableCount {
        std::string table;
        uint64_t source = 0;
        uint64_t copied = 0;
    };

    // Throws std::runtime_error, before writing anything, if the destination holds any row, and
    // after the copy if any table's counts differ. progress is told each table as it starts.
    static std::vector<TableCount> run(StoreCopy& from, StoreCopy& to,
                                       const std::function<void(const std::string& table)>& progress = {});
};

}  // namespace mamori::collector
