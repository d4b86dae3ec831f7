#pragma once
#include <libpq-fe.h>

#include <string>
#include <type_traits>
#include <vector>

#include "collector/PgParam.h"
#include "collector/PgResult.h"
#include "collector/PgStatementCache.h"

namespace mamori::collector {

// One libpq connection. Not thread-safe: PgPool hands it to one thread at a time.
class PgConnection {
public:
    explicit PgConnection(const std::string& url);
    ~PgConnection();
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    // Runs one statement with parameters $1..$n, prepared once it comes back (PgStatementCache);
    // throws std::runtime_error with the server's message on failure. A connection the server
    // dropped is re-opened once, outside a transaction only: inside one, the transaction is
    // lost and the caller must see that.
    PgResult exec(const std::string& sql, const std::vector<PgParam>& params = {});
    // Runs statements without parameters (DDL); several may be separated by semicolons.
    void execScript(const std::string& sql);

    // Runs body between BEGIN and COMMIT; rolls back and rethrows if body throws.
    template <class Body>
    auto transaction(Body&& body) {
        execScript("BEGIN");
        in_transaction_ = true;
        try {
            if constexpr (std::is_void_v<decltype(body())>) {
                body();
                finish("COMMIT");
            } else {
                auto r = body();
                finish("COMMIT");
                return r;
            }
        } catch (...) {
            rollback();
            throw;
        }
    }

private:
    void finish(const char* sql);
    void rollback() noexcept;
    void reconnectIfBroken();
    [[noreturn]] void fail(const std::string& what, PGresult* r);

    std::string url_;
    PGconn* conn_ = nullptr;
    bool in_transaction_ = false;
    PgStatementCache statements_;
};

}  // namespace mamori::collector
