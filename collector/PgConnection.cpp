#include "collector/PgConnection.h"

#include <stdexcept>
#include <string_view>
#include <type_traits>

namespace mamori::collector {
namespace {

// The URL without its password, for messages and logs.
std::string redacted(const std::string& url) {
    const auto scheme = url.find("://");
    const auto at = url.find('@');
    if (scheme == std::string::npos || at == std::string::npos) return url;
    const auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon) + ":***" + url.substr(at);
}

}  // namespace

PgConnection::PgConnection(const std::string& url) : url_(url) {
    conn_ = PQconnectdb(url.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
        const std::string message = PQerrorMessage(conn_);
        PQfinish(conn_);
        conn_ = nullptr;
        throw std::runtime_error("cannot connect to PostgreSQL at " + redacted(url) + ": " + message +
                                 "PostgreSQL (" + redacted(url) + ") に接続できません。");
    }
}

PgConnection::~PgConnection() {
    if (conn_) PQfinish(conn_);
}

void PgConnection::reconnectIfBroken() {
    if (PQstatus(conn_) == CONNECTION_OK || in_transaction_) return;
    PQreset(conn_);
    statements_.clear();  // they were the old session's
    if (PQstatus(conn_) != CONNECTION_OK)
        throw std::runtime_error("lost the connection to PostgreSQL at " + redacted(url_) + ": " +
                                 PQerrorMessage(conn_));
}

void PgConnection::fail(const std::string& what, PGresult* r) {
    std::string message = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    PQclear(r);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw std::runtime_error("PostgreSQL: " + message + " (in: " + what.substr(0, 80) + ")");
}

PgResult PgConnection::exec(const std::string& sql, const std::vector<PgParam>& params) {
    reconnectIfBroken();
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    std::vector<Oid> types;
    types.reserve(params.size());
    values.reserve(params.size());
    lengths.reserve(params.size());
    formats.reserve(params.size());
    for (const PgParam& p : params) {
        values.push_back(p.data());
        lengths.push_back(p.length());
        formats.push_back(p.binary() ? 1 : 0);
        types.push_back(p.type());
    }
    // Text parameters must be NUL-terminated for libpq; PgParam's views are slices of
    // std::string or literals, but not always ending there, so text values are copied.
    std::vector<std::string> copies;
    copies.reserve(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        if (params[i].isNull()) {
            values[i] = nullptr;  // what libpq takes for NULL
            continue;
        }
        if (params[i].binary()) continue;
        copies.emplace_back(params[i].data(), static_cast<size_t>(params[i].length()));
        values[i] = copies.back().c_str();
    }
    const int n = static_cast<int>(params.size());
    const std::string key = PgStatementCache::key(sql, types);
    const PgStatementCache::Plan plan = statements_.plan(key);
    if (plan.action == PgStatementCache::Action::Prepare) {
        // A statement the server refuses fails here as it would have when run.
        PGresult* p = PQprepare(conn_, plan.name.c_str(), sql.c_str(), n, types.data());
        if (!p || PQresultStatus(p) != PGRES_COMMAND_OK) fail(sql, p);
        PQclear(p);
        statements_.prepared(key, plan.name);
    }
    PGresult* r = plan.action == PgStatementCache::Action::RunUnnamed
                      ? PQexecParams(conn_, sql.c_str(), n, types.data(), values.data(), lengths.data(),
                                     formats.data(), 0)
                      : PQexecPrepared(conn_, plan.name.c_str(), n, values.data(), lengths.data(), formats.data(), 0);
    const ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        // Someone ran DISCARD on this session (a pooler between us and the server does): the
        // names are void. This call fails; the next ones prepare again.
        const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
        if (state && std::string_view(state) == "26000") statements_.clear();
        fail(sql, r);
    }
    return PgResult(r);
}

void PgConnection::execScript(const std::string& sql) {
    reconnectIfBroken();
    PGresult* r = PQexec(conn_, sql.c_str());
    const ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(sql, r);
    PQclear(r);
}

void PgConnection::finish(const char* sql) {
    execScript(sql);
    in_transaction_ = false;
}

void PgConnection::rollback() noexcept {
    in_transaction_ = false;
    if (PQstatus(conn_) != CONNECTION_OK) return;  // the server already discarded it
    PQclear(PQexec(conn_, "ROLLBACK"));
}

}  // namespace mamori::collector
