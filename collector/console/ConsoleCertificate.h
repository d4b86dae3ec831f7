#pragma once
#include <openssl/ssl.h>

#include <filesystem>

namespace mamori::collector {

// The admin listener's certificate for browsers. The collector's own certificates are Ed25519,
// which browsers do not accept in TLS; beside server.pem the admin listener therefore holds an
// ECDSA P-256 certificate, console.pem (key console.key, 0600). The listener prefers Ed25519
// whenever a client can verify it, so mamorictl, curl and every OpenSSL client keep seeing
// server.pem and verifying it against ca.pem; a browser, which offers no Ed25519, gets this one.
// By default it is self-signed, with server.pem's names, for an administrator to trust in the
// browsers of the city's management terminals; a city with its own CA puts its certificate and
// key (any type a browser accepts) in these two files instead.
class ConsoleCertificate {
public:
    // Creates console.key and console.pem in `dir` when there are none (a collector made before
    // the console gains them at its next start).
    static void ensure(const std::filesystem::path& dir);
    // Adds them to `ctx` beside the certificate it holds, and makes its choice the server's:
    // Ed25519 first.
    static void addTo(SSL_CTX* ctx, const std::filesystem::path& dir);
};

}  // namespace mamori::collector
