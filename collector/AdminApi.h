#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "collector/AdminAnswer.h"
#include "collector/DailyCompliance.h"
#include "collector/HttpsServer.h"
#include "collector/AdminScope.h"
#include "collector/ExceptionApi.h"
#include "collector/MediaApi.h"
#include "collector/UserApi.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// The admin endpoint, /admin/v1/...: JSON over HTTPS for mamorictl, with per-user bearer tokens.
// Every refusal is logged with who asked for what.
class AdminApi {
public:
    struct Settings {
        std::string ca_fingerprint;  // embedded in enrollment tokens
        std::string ca_pem;          // put into evidence bundles
        int64_t heartbeat_deadline_s = 2 * 3600;
    };

    AdminApi(Store& store, const LocalCalendar& calendar, Settings settings)
        : store_(store), calendar_(calendar), settings_(std::move(settings)),
          compliance_(store, calendar, settings_.heartbeat_deadline_s), answer_(calendar), scope_(store),
          exceptions_(store, calendar, scope_), media_(store, calendar, scope_), users_(store, calendar, scope_) {}

    // The largest body an administrator sends: a policy profile, a user, an exception.
    static constexpr std::size_t kMaxBody = 1024 * 1024;

    // The header's verdict, before any body is read (HttpsServer::admit): the bearer token.
    std::optional<HttpResponse> admit(const HttpRequestHead& req, const Caller& caller, std::size_t& body_limit);
    HttpResponse handle(const HttpRequest& req, const Caller& caller);
    // The answer to `req` for a user already signed in (the console's, by its session): the same
    // endpoints, rules, access records and errors as for a bearer token.
    HttpResponse serve(const HttpRequest& req, const AdminUser& user);

    // More endpoints (LifecycleApi), asked after authentication: nullopt when not theirs. Their
    // refusals are common::UserError, answered as AdminApi answers its own. Before serving.
    using Extension =
        std::function<std::optional<HttpResponse>(const HttpRequest&, const std::string& path, const AdminUser&)>;
    void extend(Extension e) { extensions_.push_back(std::move(e)); }

private:
    // The user of the request's bearer token; a refusal is logged. `disabled` names the account
    // when the token is one of a disabled account.
    std::optional<AdminUser> authenticate(const HttpRequestHead& req, const Caller& caller, std::string& disabled);
    // The 401 for a request without a user: a disabled account is told so.
    static HttpResponse unauthenticated(const HttpRequestHead& req, const std::string& disabled);
    HttpResponse createToken(const HttpRequest& req, const AdminUser& user);
    HttpResponse listTerminals(const HttpRequest& req, const AdminUser& user);
    // The sections the user may name: all known ones, or a section manager's own.
    HttpResponse sections(const HttpRequest& req, const AdminUser& user);
    HttpResponse violations(const HttpRequest& req, const AdminUser& user);
    HttpResponse events(const HttpRequest& req, const AdminUser& user);
    HttpResponse exportEvidence(const HttpRequest& req, const AdminUser& user);
    HttpResponse monthlyReport(const HttpRequest& req, const AdminUser& user);
    // A read of one terminal's evidence: nothing when the user may read it; else the refusal,
    // logged and recorded in the access log as `action` (refused).
    std::optional<HttpResponse> refuseOutsideSections(const HttpRequest& req, const AdminUser& user,
                                                      const TerminalRecord& terminal, const std::string& action);
    HttpResponse pushPolicy(const HttpRequest& req, const AdminUser& user);
    HttpResponse setTerminalGroup(const HttpRequest& req, const AdminUser& user);
    HttpResponse resolveTampering(const HttpRequest& req, const AdminUser& user);
    HttpResponse policyStatus(const HttpRequest& req, const AdminUser& user);
    // The profile a group follows (its own, or everyone's), described in plain words.
    HttpResponse policyInForce(const HttpRequest& req, const AdminUser& user);
    HttpResponse accessLog(const HttpRequest& req, const AdminUser& user);

    Store& store_;
    const LocalCalendar& calendar_;
    Settings settings_;
    DailyCompliance compliance_;
    AdminAnswer answer_;
    AdminScope scope_;
    ExceptionApi exceptions_;
    MediaApi media_;
    UserApi users_;
    std::vector<Extension> extensions_;
};

}  // namespace mamori::collector
