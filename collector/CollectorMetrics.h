#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collector/CertificateExpiry.h"
#include "collector/HttpsServer.h"
#include "collector/LatencyHistogram.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// What the collector tells Prometheus: counters kept as events arrive (events, batches and
// their refusals, evidence issues, handshake failures, request latency per listener) and
// figures read from the store at a scrape (terminals by state, today's violations by control,
// the store's size) or from its certificates (days left). The store's figures are read at most
// once per kStoreEvery, however often /metrics is asked.
class CollectorMetrics {
public:
    static constexpr std::chrono::seconds kStoreEvery{5};

    CollectorMetrics(Store& store, const LocalCalendar& calendar, int64_t fallback_heartbeat_s,
                     std::vector<CertificateExpiry::Entry> certificates);

    // A listener whose answers, handshakes and connections are counted, labelled `name`.
    // Before it starts; it outlives this object's last render.
    void watch(const std::string& name, HttpsServer& server);
    // A batch stored by EventIngest.
    void ingested(const IngestBatch& batch);

    // The exposition text of every family.
    std::string render(int64_t now_unix);
    // Whether the store answers: what /healthz says, without detail.
    bool healthy();

    // The reason label of a refused batch: malformed, unauthenticated, forbidden, too_large,
    // busy, internal, or http_NNN for anything else.
    static std::string refusalReason(unsigned status);

private:
    struct Listener {
        std::string name;
        HttpsServer* server = nullptr;
        LatencyHistogram latency;
    };
    void answered(const HttpRequestHead& head, http::status status);
    std::string storeFigures(int64_t now_unix);

    Store& store_;
    const LocalCalendar& calendar_;
    int64_t fallback_heartbeat_s_;
    std::vector<CertificateExpiry::Entry> certificates_;
    std::vector<std::unique_ptr<Listener>> listeners_;

    std::atomic<uint64_t> events_{0}, batches_{0};
    std::mutex counts_mutex_;
    std::map<std::string, uint64_t> refused_;  // by reason
    std::map<std::string, uint64_t> issues_;   // by kind

    std::mutex store_mutex_;
    std::string store_text_;
    std::chrono::steady_clock::time_point store_read_{};
};

}  // namespace mamori::collector
