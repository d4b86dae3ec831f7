#pragma once
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace mamori::collector {

// Which statements one PostgreSQL connection keeps prepared. A statement run unnamed is parsed,
// analysed and planned again at every call: for ingest's few statements, run hundreds of times
// a second, that was a tenth of the server's work. A statement seen a second time is prepared
// and from then on only bound and executed (and, once PostgreSQL finds its generic plan no
// worse, no longer planned either).
//
// Statements seen once stay unnamed, so SQL built from an administrator's filters does not
// fill the server with statements used once; both sets are bounded. Not thread-safe, like
// the connection it belongs to.
class PgStatementCache {
public:
    enum class Action { RunUnnamed, Prepare, RunPrepared };
    struct Plan {
        Action action;
        std::string name;  // for Prepare and RunPrepared
    };

    // A statement and the parameter types it is prepared for: the same text with other types
    // (a NULL where a number was) is another statement to the server.
    static std::string key(std::string_view sql, std::span<const unsigned> types);

    // What to do with the statement of this key now.
    Plan plan(const std::string& key);
    // The server accepted the statement that plan() said to prepare under this name.
    void prepared(const std::string& key, const std::string& name);
    // The server's prepared statements are gone (the connection was opened again).
    void clear();

    size_t size() const { return prepared_.size(); }

    static constexpr size_t kMaxPrepared = 256;  // per connection, on the server too
    static constexpr size_t kMaxSeen = 1024;     // statements seen once, remembered to be counted

private:
    std::unordered_map<std::string, std::string> prepared_;  // key → name
    std::unordered_set<std::string> seen_;
    unsigned long next_ = 0;
};

}  // namespace mamori::collector
