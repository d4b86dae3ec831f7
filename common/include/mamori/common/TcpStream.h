#pragma once
#include <chrono>
#include <string>
#include <string_view>

namespace mamori::common {

// One blocking TCP connection for a thread of its own (the syslog forwarder): connect with a
// time limit, write whole buffers, close. Writes never raise SIGPIPE; a peer gone is false.
class TcpStream {
public:
    TcpStream() = default;
    ~TcpStream();
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    // Tries each address of host in turn; false when none answers within `timeout` each.
    bool connect(const std::string& host, const std::string& port, std::chrono::seconds timeout);
    // The whole buffer, or false (and the connection is closed). Bounded by the connect timeout.
    bool write(std::string_view data);
    bool open() const { return fd_ >= 0; }
    void close();

private:
    int fd_ = -1;
};

}  // namespace mamori::common
