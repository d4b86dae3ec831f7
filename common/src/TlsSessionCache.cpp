#include "mamori/common/TlsSessionCache.h"

#include <map>
#include <mutex>

namespace mamori::common {

namespace {

struct Sessions {
    std::mutex mutex;
    std::map<std::string, SSL_SESSION*> by_server;

    ~Sessions() {
        for (auto& [server, session] : by_server) SSL_SESSION_free(session);
    }
};

void freeSessions(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<Sessions*>(ptr); }
void freeServer(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<std::string*>(ptr); }

// The context's sessions, and each connection's server name, live in OpenSSL's own slots, so
// they go when the context or the connection does, whoever holds it last.
int contextIndex() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, freeSessions);
    return index;
}
int connectionIndex() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, freeServer);
    return index;
}

// OpenSSL hands over each session ticket as it arrives (in TLS 1.3, after the handshake, while
// the response is read). A copy is kept, not the connection's own session: OpenSSL marks that one
// unresumable when the connection ends without a close_notify, as a client's usually does.
int keep(SSL* ssl, SSL_SESSION* session) {
    auto* sessions = static_cast<Sessions*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), contextIndex()));
    auto* server = static_cast<std::string*>(SSL_get_ex_data(ssl, connectionIndex()));
    if (!sessions || !server || !SSL_SESSION_is_resumable(session)) return 0;
    SSL_SESSION* copy = SSL_SESSION_dup(session);
    if (!copy) return 0;
    std::lock_guard lock(sessions->mutex);
    SSL_SESSION*& slot = sessions->by_server[*server];
    if (slot) SSL_SESSION_free(slot);
    slot = copy;
    return 0;  // OpenSSL keeps (and frees) its own
}

}  // namespace

void TlsSessionCache::enable(SSL_CTX* ctx) {
    SSL_CTX_set_ex_data(ctx, contextIndex(), new Sessions);
    // Only what the callback keeps: OpenSSL's internal client cache is keyed by session id, not
    // by server, and would only duplicate it.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, keep);
}

void TlsSessionCache::offer(SSL* ssl, const std::string& server) {
    auto* sessions = static_cast<Sessions*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), contextIndex()));
    if (!sessions) return;
    SSL_set_ex_data(ssl, connectionIndex(), new std::string(server));
    std::lock_guard lock(sessions->mutex);
    if (auto it = sessions->by_server.find(server); it != sessions->by_server.end()) SSL_set_session(ssl, it->second);
}

}  // namespace mamori::common
