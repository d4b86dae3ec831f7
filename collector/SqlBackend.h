#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "collector/AdminStore.h"
#include "collector/SqlConnection.h"
#include "collector/SqlDialect.h"
#include "collector/StoreTable.h"

namespace mamori::collector {

// What one database adds under SqlStore: its connections and how writes become durable, its
// dialect, and the section managers' sections, which the schemas keep differently. The schema itself,
// and its migrations, belong to the backend too.
class SqlBackend {
public:
    using Work = std::function<void(SqlConnection&)>;

    virtual ~SqlBackend() = default;

    virtual const SqlDialect& dialect() const = 0;

    // Runs work on a connection that sees the last commit. Concurrent readers never wait for
    // a write in progress.
    virtual void read(const Work& work) = 0;
    // Runs work on a connection that may write, and returns once what it committed is on disk
    // (the agent deletes what we acknowledge). Work that throws committed nothing.
    virtual void write(const Work& work) = 0;
    // The same for work that mostly writes what the next sync of a terminal writes again anyway
    // (when it was last seen, its clock): it returns whether what it committed this time matters
    // beyond that (a finding), and only then is the disk waited for. Otherwise a power cut may
    // lose the commit, never corrupt it, and the next durable write makes it durable too.
    using DurableWhen = std::function<bool(SqlConnection&)>;
    virtual void writeDurableWhen(const DurableWhen& work) {
        write([&](SqlConnection& c) { work(c); });
    }

    // Admin users, whose sections the schemas keep differently. insertAdminUser returns false
    // when the name or the token is taken. selectAdminUsers: those matching `where` (a condition
    // on admin_users' own columns, e.g. "token_hash = ?1"; empty for all), by name.
    virtual bool insertAdminUser(SqlConnection& c, const AdminUser& u) = 0;
    virtual std::vector<AdminUser> selectAdminUsers(SqlConnection& c, const std::string& where,
                                                    const std::vector<SqlParam>& params) = 0;
    virtual void writeSections(SqlConnection& c, const std::string& name, const std::vector<std::string>& sections) = 0;

    // For copying a whole store: what SELECT reads for a column, so every backend reads and
    // writes the same cells (StoreTable); and a chance to write a table its own way (true: done).
    virtual std::string selectExpression(const StoreTable& t, const StoreColumn& c) { return c.name; }
    virtual void normalizeRow(const StoreTable&, TableRow&) {}
    virtual bool writeRowsSpecially(SqlConnection&, const StoreTable&, const std::vector<TableRow>&) { return false; }
};

}  // namespace mamori::collector
