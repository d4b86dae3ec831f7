#include "collector/CollectorMetrics.h"

#include "collector/DailyCompliance.h"
#include "collector/ReportingExpectation.h"
#include "mamori/common/Log.h"
#include "mamori/common/PrometheusText.h"

namespace mamori::collector {

using common::PrometheusText;

namespace {

// Label values as Prometheus users write them: "not reporting" -> not_reporting.
std::string labelWord(std::string s) {
    for (auto& c : s)
        if (c == ' ' || c == '-') c = '_';
    return s;
}

}  // namespace

CollectorMetrics::CollectorMetrics(Store& store, const LocalCalendar& calendar, int64_t fallback_heartbeat_s,
                                   std::vector<CertificateExpiry::Entry> certificates)
    : store_(store), calendar_(calendar), fallback_heartbeat_s_(fallback_heartbeat_s),
      certificates_(std::move(certificates)) {}

void CollectorMetrics::watch(const std::string& name, HttpsServer& server) {
    auto& l = *listeners_.emplace_back(std::make_unique<Listener>());
    l.name = name;
    l.server = &server;
    server.onAnswer([this, &l](const HttpRequestHead& head, http::status status, std::chrono::steady_clock::duration took) {
        l.latency.observe(took);
        answered(head, status);
    });
}

std::string CollectorMetrics::refusalReason(unsigned status) {
    switch (status) {
        case 400: return "malformed";
        case 401: return "unauthenticated";
        case 403: return "forbidden";
        case 413: return "too_large";
        case 503: return "busy";
        case 500: return "internal";
        default: return "http_" + std::to_string(status);
    }
}

void CollectorMetrics::answered(const HttpRequestHead& head, http::status status) {
    // Only the agent endpoint has this path; the target is the caller's, so it is compared, never
    // used as a label.
    if (head.target() != "/v1/events") return;
    const auto code = static_cast<unsigned>(status);
    if (code == 200) {
        ++batches_;
        return;
    }
    std::lock_guard lock(counts_mutex_);
    ++refused_[refusalReason(code)];
}

void CollectorMetrics::ingested(const IngestBatch& batch) {
    events_ += batch.events.size();
    if (batch.issues.empty()) return;
    std::lock_guard lock(counts_mutex_);
    for (const auto& i : batch.issues) ++issues_[i.kind];
}

bool CollectorMetrics::healthy() {
    try {
        store_.sizeBytes();
        return true;
    } catch (const std::exception& e) {
        Log::warn(std::string("health check: the store does not answer: ") + e.what());
        return false;
    }
}

std::string CollectorMetrics::storeFigures(int64_t now_unix) {
    PrometheusText out;
    std::map<std::string, uint64_t> states{{"reporting", 0},     {"not_reporting", 0},  {"off", 0},
                                           {"off_hours", 0},     {"decommissioned", 0}, {"tampering_suspected", 0}};
    ReportingExpectation expectation(store_, fallback_heartbeat_s_);
    for (const auto& t : store_.terminals()) {
        // Tampering suspected outranks whatever else a terminal is, so the states add up to all.
        const std::string state = t.tampering_since_unix && !t.decommissioned_unix
                                      ? "tampering_suspected"
                                      : labelWord(ReportingExpectation::name(expectation.presence(t, now_unix)));
        ++states[state];
    }
    out.family("mamori_terminals", "gauge",
               "Terminals by state, as mamorictl terminals shows them; tampering suspected outranks the rest");
    for (const auto& [state, n] : states) out.sample("mamori_terminals", {{"state", state}}, static_cast<double>(n));

    // Every control is listed, so a control with none reads 0 rather than vanishing.
    std::map<std::string, uint64_t> terminals, events;
    for (mamori::v1::Control c : {mamori::v1::USB, mamori::v1::HOURS, mamori::v1::SOFTWARE, mamori::v1::SCREEN_LOCK,
                                  mamori::v1::AGENT, mamori::v1::EVIDENCE, mamori::v1::CLOCK})
        terminals[DailyCompliance::controlName(c)] = events[DailyCompliance::controlName(c)] = 0;
    terminals["reporting"] = events["reporting"] = 0;
    DailyCompliance compliance(store_, calendar_, fallback_heartbeat_s_);
    for (const auto& r : compliance.violations(calendar_.dateOfUnix(now_unix), now_unix, "", "")) {
        // Exempted, switched off and off-hours rows are shown by mamorictl but are no violation.
        if (r.status == "exempted" || r.status == "off" || r.status == "off-hours") continue;
        ++terminals[r.control];
        events[r.control] += r.violations;
    }
    out.family("mamori_violations_today", "gauge",
               "Terminals in violation today (the collector's local date) by control, standing ones included");
    for (const auto& [control, n] : terminals)
        out.sample("mamori_violations_today", {{"control", control}}, static_cast<double>(n));
    out.family("mamori_violation_events_today", "gauge", "Violation events filed under today's local date by control");
    for (const auto& [control, n] : events)
        out.sample("mamori_violation_events_today", {{"control", control}}, static_cast<double>(n));

    out.family("mamori_store_bytes", "gauge", "Bytes the store takes on disk");
    out.sample("mamori_store_bytes", {}, static_cast<double>(store_.sizeBytes()));
    return out.text();
}

std::string CollectorMetrics::render(int64_t now_unix) {
    PrometheusText out;
    out.family("mamori_events_received_total", "counter", "Authentic events received from terminals");
    out.sample("mamori_events_received_total", {}, static_cast<double>(events_.load()));
    out.family("mamori_event_batches_total", "counter", "Event batches accepted");
    out.sample("mamori_event_batches_total", {}, static_cast<double>(batches_.load()));
    {
        std::lock_guard lock(counts_mutex_);
        out.family("mamori_event_batches_refused_total", "counter", "Event batches refused, by reason");
        for (const char* reason : {"malformed", "unauthenticated", "forbidden", "too_large"}) refused_.try_emplace(reason, 0);
        for (const auto& [reason, n] : refused_)
            out.sample("mamori_event_batches_refused_total", {{"reason", reason}}, static_cast<double>(n));
        out.family("mamori_evidence_issues_total", "counter",
                   "Evidence problems recorded: gap, fork, tampered (events that failed authentication)");
        for (const char* kind : {"gap", "fork", "tampered"}) issues_.try_emplace(kind, 0);
        for (const auto& [kind, n] : issues_)
            out.sample("mamori_evidence_issues_total", {{"kind", kind}}, static_cast<double>(n));
    }
    out.family("mamori_tls_handshake_failures_total", "counter", "TLS handshakes that failed, by listener");
    for (const auto& l : listeners_)
        out.sample("mamori_tls_handshake_failures_total", {{"listener", l->name}},
                   static_cast<double>(l->server->handshakeFailures()));
    out.family("mamori_tls_handshakes_total", "counter",
               "TLS handshakes completed, by listener and whether they resumed an earlier session");
    for (const auto& l : listeners_) {
        // Resumed first: a handshake is counted before its resumption, so the difference never wraps.
        const uint64_t resumed = l->server->resumedHandshakes();
        const uint64_t all = l->server->handshakes();
        out.sample("mamori_tls_handshakes_total", {{"listener", l->name}, {"resumed", "true"}}, static_cast<double>(resumed));
        out.sample("mamori_tls_handshakes_total", {{"listener", l->name}, {"resumed", "false"}},
                   static_cast<double>(all - resumed));
    }
    out.family("mamori_connections_refused_total", "counter",
               "Connections turned away (a 503, or a TLS alert before any handshake), by listener and why: the "
               "workers could not keep up or as many connections were under way as are answered quickly "
               "(overloaded), or a connection cap was reached (capacity)");
    for (const auto& l : listeners_) {
        out.sample("mamori_connections_refused_total", {{"listener", l->name}, {"reason", "overloaded"}},
                   static_cast<double>(l->server->shedConnections()));
        out.sample("mamori_connections_refused_total", {{"listener", l->name}, {"reason", "capacity"}},
                   static_cast<double>(l->server->connectionsOverCap()));
    }
    out.family("mamori_connections", "gauge", "Connections open now, by listener");
    for (const auto& l : listeners_)
        out.sample("mamori_connections", {{"listener", l->name}}, static_cast<double>(l->server->connectionsInUse()));
    out.family("mamori_admission_limit", "gauge",
               "New connections let be under way at once (accepted, not yet answered), by listener: it falls "
               "while they take over twice as long as with no queue");
    for (const auto& l : listeners_)
        if (const auto limit = l->server->admissionLimit())
            out.sample("mamori_admission_limit", {{"listener", l->name}}, static_cast<double>(*limit));
    out.family("mamori_request_duration_seconds", "histogram",
               "Time from a request's header to its answer written, by listener");
    for (const auto& l : listeners_) l->latency.write(out, "mamori_request_duration_seconds", {{"listener", l->name}});
    // In seconds, Prometheus's base unit: an alert on days is `< 90 * 86400`.
    out.family("mamori_certificate_expiry_seconds", "gauge",
               "Seconds until the collector's own certificates expire (server, ca), as served; negative once expired");
    for (const auto& c : certificates_)
        out.sample("mamori_certificate_expiry_seconds", {{"certificate", c.name}},
                   static_cast<double>(c.not_after_unix - now_unix));

    std::lock_guard lock(store_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (store_text_.empty() || now - store_read_ >= kStoreEvery) {
        // A store that does not answer leaves the counters served, and says so.
        PrometheusText up;
        up.family("mamori_store_up", "gauge", "Whether the store answered the last reading of its figures");
        try {
            std::string figures = storeFigures(now_unix);
            up.sample("mamori_store_up", {}, 1);
            store_text_ = up.text() + figures;
        } catch (const std::exception& e) {
            Log::warn(std::string("metrics: the store does not answer: ") + e.what());
            up.sample("mamori_store_up", {}, 0);
            store_text_ = up.text();
        }
        store_read_ = now;
    }
    return out.text() + store_text_;
}

}  // namespace mamori::collector
