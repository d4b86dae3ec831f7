#pragma once
#include <chrono>
#include <string>
#include <string_view>

struct ssl_st;
struct ssl_ctx_st;

namespace mamori::common {

// One blocking TCP connection for a thread of its own (the syslog forwarder): connect with a
// time limit, TLS on it if asked, write whole buffers, close. A peer gone is false; plain writes
// never raise SIGPIPE, and the collector ignores it for TLS ones.
class TcpStream {
public:
    TcpStream() = default;
    ~TcpStream();
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    // Tries each address of host in turn; false when none answers within `timeout` each.
    bool connect(const std::string& host, const std::string& port, std::chrono::seconds timeout);
    // After connect(): TLS 1.2 or later, the server's certificate checked against the CAs in
    // ca_file (empty: the system's) and its name or address against host. False, with why, when
    // refused; the connection is then closed.
    bool startTls(const std::string& ca_file, const std::string& host, std::string& why);
    // The whole buffer, or false (and the connection is closed). Bounded by the connect timeout.
    bool write(std::string_view data);
    bool open() const { return fd_ >= 0; }
    void close();

private:
    int fd_ = -1;
    ssl_st* ssl_ = nullptr;
    ssl_ctx_st* ctx_ = nullptr;
};

}  // namespace mamori::common
