#pragma once
#include <string>

namespace mamori::collector {

// The few spellings in which SQLite and PostgreSQL differ for the store's shared SQL.
struct SqlDialect {
    std::string greatest;  // scalar maximum of several values: "max" or "greatest"
    std::string least;     // scalar minimum: "min" or "least"
    // Appended to a text column in ORDER BY: byte order, as SQLite always sorts, whatever the
    // database's locale. Empty where that is already the order (and the index keeps it).
    std::string byte_order;

    // The one policy version counter, which policies, exceptions, media ledger entries and
    // re-issues to moved terminals share: a statement that takes its next version and returns it (inside a write
    // transaction); a query of the last version it handed out (0: none); and a statement that,
    // after a copy, makes it continue after ?1 and after every copied version, and the tables'
    // ids after every copied id.
    std::string next_policy_version;
    std::string last_policy_version;
    std::string continue_after_copy;
    // A query of every section a section manager answers for, one per row.
    std::string manager_sections;
    // A query of the bytes the store takes on disk.
    std::string store_bytes;
};

}  // namespace mamori::collector
