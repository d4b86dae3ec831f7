#pragma once
#include <memory>
#include <string>

#include "collector/AdminStore.h"
#include "collector/ComplianceStore.h"
#include "collector/ConsoleStore.h"
#include "collector/EvidenceStore.h"
#include "collector/ExceptionStore.h"
#include "collector/MediaStore.h"
#include "collector/PolicyStore.h"
#include "collector/StoreCopy.h"
#include "collector/TerminalStore.h"

namespace mamori::collector {

// Everything the collector keeps, one interface per concern; a part that needs one concern
// takes that interface. SQLite is the embedded default; PostgreSQL serves several collectors
// sharing one database (both are SqlStore). Implementations are safe to call from several
// threads. Mistakes of the caller (an unknown terminal, a duplicate id, a value out of range)
// are common::UserError; anything else that is thrown is internal.
class Store : public TerminalStore,
              public EvidenceStore,
              public ComplianceStore,
              public PolicyStore,
              public ExceptionStore,
              public MediaStore,
              public AdminStore,
              public ConsoleStore,
              public StoreCopy {
public:
    // What the store takes on disk (SQLite: its database file; PostgreSQL: the database).
    virtual uint64_t sizeBytes() = 0;
};

// "sqlite:/path/to/file.db" or a libpq URI "postgresql://user@host:port/database?...".
std::unique_ptr<Store> openStore(const std::string& url);

}  // namespace mamori::collector
