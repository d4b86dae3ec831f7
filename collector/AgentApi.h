#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "collector/CertificateAuthority.h"
#include "collector/EventIngest.h"
#include "collector/HttpsServer.h"
#include "collector/Store.h"
#include "mamori/proto/Ed25519Key.h"

namespace mamori::collector {

// The agent endpoint, /v1/...: protobuf bodies over mutually authenticated TLS.
// Only /v1/ca and /v1/enroll are open without a client certificate; sync, events and renew take
// the terminal's current one (TerminalAdmission), and a decommissioned terminal's none.
class AgentApi {
public:
    struct Settings {
        uint32_t batch_max_events = 500;
        uint32_t pace_ms = 0;
        uint32_t sync_interval_s = 60;
        // Of the terminals' client certificates; agents renew theirs when half of it has passed.
        std::chrono::seconds client_cert_validity = std::chrono::days(825);
    };

    AgentApi(Store& store, const CertificateAuthority& ca, mamori::proto::Ed25519Key policy_key, EventIngest& ingest,
             Settings settings)
        : store_(store), ca_(ca), policy_key_(std::move(policy_key)), ingest_(ingest), settings_(settings) {}

    // Enrollment and sync requests are a few kilobytes; anything larger is not an agent's.
    static constexpr std::size_t kMaxSmallBody = 64 * 1024;

    // The header's verdict, before any body is read (HttpsServer::admit).
    std::optional<HttpResponse> admit(const HttpRequestHead& req, const Caller& caller, std::size_t& body_limit) const;
    HttpResponse handle(const HttpRequest& req, const Caller& caller);

private:
    std::optional<HttpResponse> refusal(const HttpRequestHead& req, const Caller& caller) const;
    HttpResponse enroll(const HttpRequest& req, const Caller& caller);
    HttpResponse sync(const HttpRequest& req, const TerminalRecord& terminal);
    HttpResponse events(const HttpRequest& req, const TerminalRecord& terminal);
    HttpResponse renew(const HttpRequest& req, const TerminalRecord& terminal);
    // Why a token that could not be consumed was refused, in English and Japanese.
    std::string tokenRefusal(const std::string& token_hash, int64_t now_unix);
    std::string uniqueTerminalId(const std::string& hostname);
    // The clock tolerance of a stored policy, or of the built-in one when none applies.
    uint32_t clockTolerance(const PolicyRecord* policy);

    Store& store_;
    const CertificateAuthority& ca_;
    mamori::proto::Ed25519Key policy_key_;
    EventIngest& ingest_;
    Settings settings_;
    std::mutex enroll_mutex_;
    // A stored policy never changes under its version, so each is parsed once for its tolerance
    // instead of at every sync of every terminal.
    std::mutex tolerance_mutex_;
    std::map<uint64_t, uint32_t> tolerance_by_version_;
};

}  // namespace mamori::collector
