#pragma once
#include <string>

#include "collector/CertificateAuthority.h"
#include "collector/EventIngest.h"
#include "collector/HttpsServer.h"
#include "collector/Store.h"
#include "mamori/proto/Ed25519Key.h"

namespace mamori::collector {

// The agent endpoint, /v1/...: protobuf bodies over mutually authenticated TLS.
// Only /v1/ca and /v1/enroll are open without a client certificate.
class AgentApi {
public:
    struct Settings {
        uint32_t batch_max_events = 500;
        uint32_t pace_ms = 0;
        uint32_t sync_interval_s = 60;
        int client_cert_days = 825;
    };

    AgentApi(Store& store, const CertificateAuthority& ca, mamori::proto::Ed25519Key policy_key, EventIngest& ingest,
             Settings settings)
        : store_(store), ca_(ca), policy_key_(std::move(policy_key)), ingest_(ingest), settings_(settings) {}

    HttpResponse handle(const HttpRequest& req, const Caller& caller);

private:
    HttpResponse enroll(const HttpRequest& req, const Caller& caller);
    HttpResponse sync(const HttpRequest& req, const TerminalRecord& terminal);
    HttpResponse events(const HttpRequest& req, const TerminalRecord& terminal);
    std::string uniqueTerminalId(const std::string& hostname);

    Store& store_;
    const CertificateAuthority& ca_;
    mamori::proto::Ed25519Key policy_key_;
    EventIngest& ingest_;
    Settings settings_;
    std::mutex enroll_mutex_;
};

}  // namespace mamori::collector
