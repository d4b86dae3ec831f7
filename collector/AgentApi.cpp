#include "collector/AgentApi.h"

#include <chrono>
#include <cstdlib>
#include <google/protobuf/arena.h>

#include "collector/PolicyResolver.h"
#include "collector/TerminalAdmission.h"
#include "collector/TerminalRenewal.h"
#include "mamori/policy/PolicyLoader.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/EnrollmentToken.h"
#include "mamori/common/Log.h"
#include "mamori/v1/api.pb.h"

namespace mamori::collector {

namespace {

constexpr const char* kProtobuf = "application/x-protobuf";

int64_t nowUnix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

HttpResponse protobuf(const HttpRequest& req, const google::protobuf::Message& m) {
    return HttpsServer::reply(req, http::status::ok, m.SerializeAsString(), kProtobuf);
}

// Terminal ids become certificate CNs and file names in exports: keep them to a safe alphabet.
std::string sanitize(const std::string& hostname) {
    std::string out;
    for (char c : hostname.substr(0, 60))
        out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '-');
    return out.empty() ? "terminal" : out;
}

}  // namespace

std::optional<HttpResponse> AgentApi::refusal(const HttpRequestHead& req, const Caller& caller) const {
    const std::string_view target = req.target();
    if (target == "/v1/ca") {
        if (req.method() == http::verb::get) return std::nullopt;
        return HttpsServer::reply(req, http::status::method_not_allowed, "use GET\n");
    }
    if (req.method() != http::verb::post) return HttpsServer::reply(req, http::status::method_not_allowed, "use POST\n");
    if (target == "/v1/enroll") return std::nullopt;
    if (target != "/v1/sync" && target != "/v1/events" && target != "/v1/renew")
        return HttpsServer::reply(req, http::status::not_found, "no such endpoint\n");
    // Identity comes from the verified certificate alone, never from the request body.
    if (!caller.certificate) {
        Log::warn("agent endpoint: " + caller.address + " called " + std::string(target) + " without a client certificate");
        return HttpsServer::reply(req, http::status::unauthorized, "a client certificate is required\n");
    }
    return std::nullopt;
}

std::optional<HttpResponse> AgentApi::admit(const HttpRequestHead& req, const Caller& caller, std::size_t& body_limit) const {
    if (auto refused = refusal(req, caller)) return refused;
    const std::string_view target = req.target();
    // Enrollment is open to anyone who can connect: a CSR and a token fit in far less.
    if (target == "/v1/enroll" || target == "/v1/sync" || target == "/v1/renew") body_limit = kMaxSmallBody;
    if (target == "/v1/ca") body_limit = 0;
    return std::nullopt;  // events: the listener's limit, sized for the batch cap
}

HttpResponse AgentApi::handle(const HttpRequest& req, const Caller& caller) {
    if (auto refused = refusal(req, caller)) return *refused;
    const std::string target(req.target());
    if (target == "/v1/ca") return HttpsServer::reply(req, http::status::ok, ca_.certificate().pem(), "application/x-pem-file");
    if (target == "/v1/enroll") return enroll(req, caller);
    const auto admitted = TerminalAdmission(store_).judge(*caller.certificate, nowUnix());
    if (!admitted.terminal) {
        Log::warn("agent endpoint: " + caller.address + " " + target + ": " + admitted.log);
        return HttpsServer::reply(req, static_cast<http::status>(admitted.http_status), admitted.refusal + "\n");
    }
    if (admitted.adopted) Log::info("terminal " + admitted.terminal->id + " now uses its renewed certificate");
    if (target == "/v1/renew") return renew(req, *admitted.terminal);
    return target == "/v1/sync" ? sync(req, *admitted.terminal) : events(req, *admitted.terminal);
}

std::string AgentApi::uniqueTerminalId(const std::string& hostname) {
    std::string base = sanitize(hostname), id = base;
    for (int n = 2; store_.terminal(id); ++n) id = base + "-" + std::to_string(n);
    return id;
}

HttpResponse AgentApi::enroll(const HttpRequest& req, const Caller& caller) {
    mamori::v1::EnrollRequest in;
    if (!in.ParseFromString(req.body()))
        return HttpsServer::reply(req, http::status::bad_request, "malformed enrollment request\n");
    auto token = mamori::proto::EnrollmentToken::parse(in.token());
    if (!token) {
        Log::warn("enrollment from " + caller.address + " refused: malformed token");
        return HttpsServer::reply(req, http::status::forbidden, "invalid enrollment token\n");
    }
    std::optional<mamori::proto::CertificateRequest> csr;
    try {
        csr = mamori::proto::CertificateRequest::parse(in.csr_pem());
    } catch (const std::exception& e) {
        return HttpsServer::reply(req, http::status::bad_request, std::string("bad certificate request: ") + e.what());
    }
    // Validate everything before spending the token, so a broken request does not burn it.
    auto granted = store_.consumeEnrollToken(token->secretHash(), nowUnix());
    if (!granted) {
        const std::string why = tokenRefusal(token->secretHash(), nowUnix());
        Log::warn("enrollment from " + caller.address + " (" + in.hostname() + ") refused: " + why);
        return HttpsServer::reply(req, http::status::forbidden, why + "\n");
    }
    std::lock_guard lock(enroll_mutex_);
    TerminalRecord t;
    t.id = uniqueTerminalId(in.hostname().empty() ? csr->commonName() : in.hostname());
    t.hostname = in.hostname();
    t.group = granted->group;
    t.certificate_pem = ca_.issueClient(*csr, t.id, settings_.client_cert_validity);
    t.public_key = csr->publicKey().publicRaw();
    t.enrolled_unix = nowUnix();
    store_.addTerminal(t);
    Log::info("enrolled terminal " + t.id + " (" + caller.address + ") in group '" + t.group + "'");

    mamori::v1::EnrollResponse out;
    out.set_terminal_id(t.id);
    out.set_certificate_pem(t.certificate_pem);
    out.set_ca_pem(ca_.certificate().pem());
    out.set_policy_public_key(policy_key_.publicRaw());
    out.set_group(t.group);
    return protobuf(req, out);
}

std::string AgentApi::tokenRefusal(const std::string& token_hash, int64_t now_unix) {
    const auto t = store_.enrollToken(token_hash);
    const std::string ask = "; ask your administrator for a new one / ";
    if (!t) return "this enrollment token is unknown to this collector" + ask + "この登録トークンはこのコレクターでは発行されていません。管理者に新しいトークンを依頼してください";
    if (t->revoked_unix != 0)
        return "this enrollment token (" + t->id() + ") was revoked by " + t->revoked_by + ask + "この登録トークン（" +
               t->id() + "）は " + t->revoked_by + " により失効されています。管理者に新しいトークンを依頼してください";
    if (t->used_unix != 0 || t->expires_unix > now_unix)
        return "this enrollment token (" + t->id() + ") was already used to enroll a terminal" + ask + "この登録トークン（" +
               t->id() + "）は既に端末の登録に使われています。管理者に新しいトークンを依頼してください";
    return "this enrollment token (" + t->id() + ") has expired" + ask + "この登録トークン（" + t->id() +
           "）は有効期限が切れています。管理者に新しいトークンを依頼してください";
}

HttpResponse AgentApi::renew(const HttpRequest& req, const TerminalRecord& terminal) {
    auto result = TerminalRenewal(store_, ca_, settings_.client_cert_validity).renew(terminal, req.body());
    if (result.http_status != 200) {
        Log::warn("certificate renewal of " + terminal.id + " refused: " + result.error, {.terminal = terminal.id});
        return HttpsServer::reply(req, static_cast<http::status>(result.http_status), result.body);
    }
    Log::info("issued a renewed certificate to terminal " + terminal.id +
              "; the current one stays valid until the terminal presents the new one");
    return HttpsServer::reply(req, http::status::ok, std::move(result.body), kProtobuf);
}

HttpResponse AgentApi::sync(const HttpRequest& req, const TerminalRecord& terminal) {
    mamori::v1::SyncRequest in;
    if (!in.ParseFromString(req.body()))
        return HttpsServer::reply(req, http::status::bad_request, "malformed sync request\n");
    auto now = std::chrono::system_clock::now();
    const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    const int64_t now_unix = now_ns / 1'000'000'000;
    const auto delivery = PolicyResolver(store_).forTerminal(terminal, now_unix);
    // Composed and signed only for a terminal behind: most syncs find it up to date.
    const bool deliver = delivery && delivery->version > in.applied_policy_version();

    // The collector's clock is the evidence clock: the terminal's is judged against it, by the
    // tolerance of the profile it should run (the built-in one's before it has any).
    TerminalStore::Sync sync{now_unix, in.applied_policy_version(), 0, false, {}, {}};
    if (in.agent_utc_ns() != 0) {
        // Halved before subtracting: two int64 nanosecond times may differ by more than int64 holds.
        const int64_t skew_half_ns = in.agent_utc_ns() / 2 - now_ns / 2;
        sync.clock_skew_ms = skew_half_ns / 500'000;
        const uint32_t tolerance_s = clockTolerance(delivery ? &delivery->policy : nullptr);
        sync.clock_wrong = std::abs(skew_half_ns / 500'000'000) > static_cast<int64_t>(tolerance_s);
        sync.clock_date = ingest_.calendar().dateOfUnix(now_unix);
        if (sync.clock_wrong) {
            sync.clock_reason = "clock off by " + std::to_string(sync.clock_skew_ms / 1000) + " s, over the tolerance of " +
                                std::to_string(tolerance_s) + " s";
            // Once per sync while it lasts: the log is where its course is seen.
            Log::warn("terminal " + terminal.id + ": clock off by " + std::to_string(sync.clock_skew_ms) +
                      " ms, over the tolerance of " + std::to_string(tolerance_s) +
                      " s: its events are filed by their arrival");
        }
    }
    store_.recordSync(terminal.id, sync);

    mamori::v1::SyncResponse out;
    out.set_batch_max_events(settings_.batch_max_events);
    out.set_pace_ms(settings_.pace_ms);
    out.set_sync_interval_s(settings_.sync_interval_s);
    out.set_collector_utc_ns(now_ns);
    out.set_acked_seq(terminal.head_seq);
    if (deliver) {
        mamori::v1::PolicyEnvelope env;
        *env.mutable_policy() = PolicyResolver::compose(*delivery);
        env.set_terminal_id(terminal.id);
        env.set_issued_unix_ns(now_ns);
        auto* signed_policy = out.mutable_policy();
        env.SerializeToString(signed_policy->mutable_envelope());
        signed_policy->set_signature(policy_key_.sign(signed_policy->envelope()));
    }
    return protobuf(req, out);
}

uint32_t AgentApi::clockTolerance(const PolicyRecord* policy) {
    static const uint32_t kBuiltIn = mamori::policy::PolicyLoader::builtInDefault().reporting().clock_tolerance_seconds();
    if (!policy) return kBuiltIn;
    std::lock_guard lock(tolerance_mutex_);
    if (auto known = tolerance_by_version_.find(policy->version); known != tolerance_by_version_.end())
        return known->second;
    mamori::v1::Policy parsed;
    if (!parsed.ParseFromString(policy->policy))
        throw std::runtime_error("stored policy " + std::to_string(policy->version) + " is unreadable");
    const uint32_t tolerance = parsed.reporting().clock_tolerance_seconds() != 0
                                   ? parsed.reporting().clock_tolerance_seconds()
                                   : kBuiltIn;
    // One entry per policy pushed: bounded by clearing, should a collector run for years of pushes.
    if (tolerance_by_version_.size() >= 1024) tolerance_by_version_.clear();
    tolerance_by_version_.emplace(policy->version, tolerance);
    return tolerance;
}

HttpResponse AgentApi::events(const HttpRequest& req, const TerminalRecord& terminal) {
    // Parsed on an arena: a batch of 500 events is some 2,500 protobuf objects and strings, each
    // of which otherwise costs a malloc and a free. The bytes kept (bodies, hashes, signatures)
    // are heap strings, moved out of it by EventIngest.
    google::protobuf::ArenaOptions blocks;
    blocks.start_block_size = 64 * 1024;
    blocks.max_block_size = 256 * 1024;
    google::protobuf::Arena arena(blocks);
    auto& in = *google::protobuf::Arena::CreateMessage<mamori::v1::EventBatch>(&arena);
    if (!in.ParseFromString(req.body())) {
        Log::warn("ingest from " + terminal.id + " refused: malformed batch", {.terminal = terminal.id});
        return HttpsServer::reply(req, http::status::bad_request, "malformed event batch\n");
    }
    auto result = ingest_.ingest(terminal, in, nowUnix());
    if (result.http_status != 200)
        return HttpsServer::reply(req, static_cast<http::status>(result.http_status), result.error + "\n");
    return protobuf(req, result.ack);
}

}  // namespace mamori::collector
