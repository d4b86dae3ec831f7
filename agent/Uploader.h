#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/AgentIdentity.h"
#include "agent/AgentStatus.h"
#include "agent/Backoff.h"
#include "agent/CertificateRenewal.h"
#include "agent/Journal.h"
#include "mamori/platform/Clock.h"
#include "mamori/common/HttpsClient.h"
#include "mamori/v1/api.pb.h"

namespace mamori::agent {

// Store-and-forward over mutual TLS 1.3: sync (state in; policy, pace and batch size out), then
// send the journal in batches, deleting only what the collector acknowledged. Failures back off
// with jitter and fail over along the list of collectors. At-least-once; the collector dedups.
// After a sync, renews the TLS certificate when it is due by the collector's clock
// (CertificateRenewal), on the same connection, and goes on with the new one.
class Uploader {
public:
    using OnSync = std::function<void(const mamori::v1::SyncResponse&)>;
    using AppliedVersion = std::function<uint64_t()>;

    // The TLS identity is read from state_dir (CertificateRenewal: call its recover() first).
    Uploader(boost::asio::any_io_executor ex, Journal& journal, const AgentIdentity& identity,
             std::vector<std::string> collectors, const mamori::platform::Clock& clock, AgentStatus& status,
             std::filesystem::path state_dir, OnSync on_sync, AppliedVersion applied);
    ~Uploader();

    void start();
    void notify();  // new events are in the journal
    void stop();
    // For a clean shutdown: calls done once the journal is empty (or at once with no collector).
    void onDrained(std::function<void()> done);
    // Called each time the journal has been sent and the uploader waits for its next sync.
    void onIdle(std::function<void()> idle) { idle_ = std::move(idle); }

private:
    boost::asio::awaitable<void> run();
    boost::asio::awaitable<void> cycle();
    boost::asio::awaitable<void> sync();
    boost::asio::awaitable<bool> sendBatch();
    boost::asio::awaitable<void> renewCertificate();
    // Keeps the journal's copy of events the collector refused as failing authentication.
    void setAside(const mamori::v1::RefusedRange& refused, uint64_t acked_before, size_t sent);
    void saveStatus();
    // Builds the TLS context from the state directory's certificate and key, and keeps that
    // certificate to judge its renewal by.
    void loadTlsIdentity();

    boost::asio::any_io_executor ex_;
    Journal& journal_;
    const AgentIdentity& identity_;
    std::filesystem::path state_dir_;
    CertificateRenewal renewal_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::optional<mamori::proto::Certificate> certificate_;  // the one tls_ presents
    std::vector<std::string> collectors_;
    size_t current_ = 0;
    std::unique_ptr<mamori::common::HttpsClient> client_;
    const mamori::platform::Clock& clock_;
    AgentStatus& status_;
    OnSync on_sync_;
    AppliedVersion applied_;
    Backoff backoff_{std::chrono::milliseconds(500), std::chrono::minutes(5)};
    boost::asio::steady_timer wake_;
    uint32_t batch_max_ = 500;
    std::chrono::milliseconds pace_{200};
    std::chrono::seconds sync_interval_{60};
    std::chrono::steady_clock::time_point next_sync_{};
    int64_t collector_unix_ = 0;  // the collector's clock at the last sync; 0 before one
    bool stopped_ = false;
    bool dirty_ = false;  // events arrived while a cycle was running
    std::function<void()> drained_, idle_;
};

}  // namespace mamori::agent
