#pragma once
#include <openssl/ssl.h>

#include <filesystem>

namespace mamori::collector {

// The admin listener's certificate for browsers. The collector's own certificates are Ed25519,
// which browsers do not accept in TLS; beside server.pem the admin listener therefore holds an
// ECDSA P-256 certificate, console.pem (key console.key, 0600). The listener prefers Ed25519
// whenever a client can verify it, so mamorictl, curl and every OpenSSL client keep seeing
// server.pem and verifying it against ca.pem; a browser, which offers no Ed25519, gets this one.
// By default it is issued, with server.pem's names, by a CA made for it alone (console-ca.pem,
// whose key is forgotten once it has signed): an administrator trusts console-ca.pem as an
// authority in the browsers of the city's management terminals. A city with its own CA puts its
// certificate chain and key (any type a browser accepts) in console.pem and console.key instead.
class ConsoleCertificate {
public:
    // Creates console.key, console.pem and console-ca.pem in `dir` when there are none (a collector made before
    // the console gains them at its next start).
    static void ensure(const std::filesystem::path& dir);
    // Adds them to `ctx` beside the certificate it holds, and makes its choice the server's:
    // Ed25519 first.
    static void addTo(SSL_CTX* ctx, const std::filesystem::path& dir);
};

}  // namespace mamori::collector
