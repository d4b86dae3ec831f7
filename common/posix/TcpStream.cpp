#include "mamori/common/TcpStream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace mamori::common {

TcpStream::~TcpStream() { close(); }

void TcpStream::close() {
    // No close_notify: a peer that stopped reading would hold this thread.
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    ssl_ = nullptr;
    ctx_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool TcpStream::connect(const std::string& host, const std::string& port, std::chrono::seconds timeout) {
    close();
    addrinfo hints{}, *found = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
    for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
        fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd_ < 0) continue;
        // Linux bounds connect() by the send timeout too: an unreachable host costs `timeout` a try.
        timeval t{static_cast<time_t>(timeout.count()), 0};
        setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
        // And a TLS handshake by the receive timeout.
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
        if (::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) close();
    }
    freeaddrinfo(found);
    return fd_ >= 0;
}

bool TcpStream::startTls(const std::string& ca_file, const std::string& host, std::string& why) {
    auto fail = [&](std::string what) {
        const unsigned long e = ERR_get_error();
        if (ssl_ && SSL_get_verify_result(ssl_) != X509_V_OK)
            what += ": " + std::string(X509_verify_cert_error_string(SSL_get_verify_result(ssl_)));
        else if (e)
            what += ": " + std::string(ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "TLS error");
        ERR_clear_error();
        why = std::move(what);
        close();
        return false;
    };
    if (fd_ < 0) return fail("not connected");
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) return fail("cannot set up TLS");
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx_) != 1
                        : SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) != 1)
        return fail("cannot read the CA certificates " + (ca_file.empty() ? std::string("of the system") : ca_file));
    ssl_ = SSL_new(ctx_);
    if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) return fail("cannot set up TLS");
    // An address is matched against the certificate's IP addresses, a name against its DNS
    // names (and sent as SNI).
    unsigned char ip[16];
    const bool is_address = inet_pton(AF_INET, host.c_str(), ip) == 1 || inet_pton(AF_INET6, host.c_str(), ip) == 1;
    if (is_address) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str()) != 1) return fail("bad address " + host);
    } else {
        SSL_set_tlsext_host_name(ssl_, host.c_str());
        if (SSL_set1_host(ssl_, host.c_str()) != 1) return fail("bad host name " + host);
    }
    if (SSL_connect(ssl_) != 1) return fail("TLS handshake with " + host + " failed");
    return true;
}

bool TcpStream::write(std::string_view data) {
    if (ssl_) {
        // Partial writes are off (OpenSSL's default): one call sends all of it or fails.
        if (!data.empty() && SSL_write(ssl_, data.data(), static_cast<int>(data.size())) <= 0) {
            ERR_clear_error();
            close();
            return false;
        }
        return true;
    }
    for (size_t sent = 0; sent < data.size();) {
        const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            close();
            return false;
        }
        sent += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace mamori::common
