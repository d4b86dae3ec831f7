#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "collector/EvidenceStore.h"
#include "mamori/common/TcpStream.h"

namespace mamori::collector {

// Violations and evidence problems, as they are stored, to the city's syslog server or SIEM: one
// RFC 5424 message per event over TCP (RFC 6587 octet counting) or TLS (RFC 5425), its evidence fields as
// structured data, so a SIEM sees them within seconds instead of when someone runs mamorictl.
// Ingest only queues (a bounded queue, never a wait on the network); a thread of its own sends,
// and keeps what it could not send until the server is back. TCP syslog has no acknowledgement:
// what sat in the socket's buffers when the server died is lost, and an overflowing queue drops
// its oldest (logged); the evidence itself is always in the store.
class SyslogForwarder {
public:
    // url: tcp://HOST:PORT or tls://HOST:PORT. hostname: the HOSTNAME field (this collector's
    // name). ca_file: for TLS, the CAs the server's certificate must chain to (empty: the
    // system's); its name or address must be HOST.
    SyslogForwarder(const std::string& url, std::string hostname, std::string ca_file = "",
                    size_t max_queued = 100000);
    ~SyslogForwarder();
    SyslogForwarder(const SyslogForwarder&) = delete;
    SyslogForwarder& operator=(const SyslogForwarder&) = delete;

    // The batch's violations and evidence problems, stored just now for terminal.
    void forward(const std::string& terminal, const std::string& group, const IngestBatch& batch);

    // The messages for a batch, as they are sent (without framing).
    static std::vector<std::string> messages(const std::string& hostname, const std::string& terminal,
                                             const std::string& group, const IngestBatch& batch);
    // An SD-PARAM value as RFC 5424 wants it: '"', '\' and ']' escaped, control characters gone.
    static std::string paramValue(const std::string& text);

private:
    void run();
    bool sendFront(common::TcpStream& stream);
    // A connection, with TLS when asked; false with why.
    bool connect(common::TcpStream& stream, std::string& why);

    std::string host_, port_, hostname_, ca_file_;
    bool tls_ = false;
    size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    uint64_t dropped_ = 0;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace mamori::collector
