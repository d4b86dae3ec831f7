#pragma once
#include <chrono>
#include <optional>
#include <string_view>

#include "collector/HttpsServer.h"
#include "collector/Store.h"
#include "collector/console/ConsoleSessions.h"

namespace mamori::collector {

class AdminApi;

// 管理コンソール, under /console/ on the admin listener: Japanese pages (English switchable)
// written on the server from the admin endpoint's answers, for the same users with the same
// roles. Every asset is the collector's own (the My Number tier is a closed network). Every
// answer carries a Content-Security-Policy without inline script, and refuses framing and
// sniffing; a form that changes anything carries its session's CSRF token.
class Console {
public:
    static constexpr std::size_t kMaxFormBytes = 64 * 1024;
    static constexpr std::size_t kMaxProfileFormBytes = 4 * 1024 * 1024;

    Console(Store& store, AdminApi& api, std::chrono::seconds idle) : api_(api), sessions_(store, idle) {}

    // Whether the request's target is the console's (/console or under /console/).
    static bool owns(std::string_view target);
    // The header's verdict (HttpsServer::admit): a form's body is read only for a signed-in
    // session or a sign-in.
    std::optional<HttpResponse> admit(const HttpRequestHead& req, const Caller& caller, std::size_t& body_limit);
    HttpResponse handle(const HttpRequest& req, const Caller& caller);

private:
    HttpResponse route(const HttpRequest& req, const Caller& caller, const std::string& path, bool japanese);
    // The sign-in form, back to `next` after it (a console page; anything else: today's).
    HttpResponse loginPage(const HttpRequestHead& req, const std::string& next, bool japanese, const std::string& message,
                           http::status status);
    HttpResponse login(const HttpRequest& req, const Caller& caller, bool japanese);

    AdminApi& api_;
    ConsoleSessions sessions_;
};

}  // namespace mamori::collector
