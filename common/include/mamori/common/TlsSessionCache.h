#pragma once
#include <openssl/ssl.h>

#include <string>

namespace mamori::common {

// The newest TLS session a client context was given by each server (host:port), kept on the
// context itself, so that the next connection to that server resumes it (TLS 1.3 PSK with a
// fresh key exchange) instead of repeating the whole handshake: no certificate chain verified
// and no signature made on either side. A terminal reconnects at every sync, so this is most of
// a sync's cost at both ends. A session the server no longer accepts (it restarted, or it is
// another collector) costs nothing: the server falls back to a full handshake and its new ticket
// replaces the stale one.
class TlsSessionCache {
public:
    // Makes the client context keep the sessions its servers send.
    static void enable(SSL_CTX* ctx);
    // Before the handshake: offers the session kept for `server`, if any, and tags the
    // connection so the tickets it receives are kept under that name.
    static void offer(SSL* ssl, const std::string& server);
};

}  // namespace mamori::common
