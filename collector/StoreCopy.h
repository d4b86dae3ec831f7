#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/StoreTable.h"

namespace mamori::collector {

// Copying a whole store, table by table, to another implementation (StoreMigration).
class StoreCopy {
public:
    virtual ~StoreCopy() = default;

    // The rows of one table in key order, after the row whose key columns are `after`
    // (nullptr: from the start), at most `limit`.
    virtual std::vector<TableRow> readRows(const StoreTable& table, const TableRow* after, size_t limit) = 0;
    // Inserts rows read from another store as they are: versions, ids and counts included.
    virtual void writeRows(const StoreTable& table, const std::vector<TableRow>& rows) = 0;
    virtual uint64_t rowCount(const StoreTable& table) = 0;
    // The last version the one policy version counter handed out (0: none), and, after a copy,
    // making it continue after `last_policy_version` and after every copied id.
    virtual uint64_t lastPolicyVersion() = 0;
    virtual void finishCopy(uint64_t last_policy_version) = 0;
};

}  // namespace mamori::collector
