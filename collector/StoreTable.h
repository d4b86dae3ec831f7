#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace mamori::collector {

// The tables of a store as both implementations hold them, column by column, for copying a
// whole store from one implementation to the other (StoreMigration, mamori-collector migrate). The
// names are the SQL names in both schemas; where PostgreSQL keeps something differently (the
// section managers' sections in their own table), PostgresStore translates.
struct StoreColumn {
    enum class Kind { Text, Integer, Blob, Boolean };
    const char* name;
    Kind kind;
};

struct StoreTable {
    const char* name;
    std::vector<StoreColumn> columns;  // the primary key first
    size_t key_columns;
};

// One row: a cell per column; integers and booleans (0/1) in decimal, blobs as their bytes,
// nullopt for NULL.
using TableRow = std::vector<std::optional<std::string>>;

// Every table, in an order where nothing refers to a table not yet copied.
const std::vector<StoreTable>& storeTables();

// "a, b, c": the names of the table's first `count` columns, for the SQL both stores build.
std::string columnNames(const StoreTable& table, size_t count);

}  // namespace mamori::collector
