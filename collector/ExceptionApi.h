#pragma once
#include <optional>
#include <string>

#include "collector/AdminScope.h"
#include "collector/HttpsServer.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// /admin/v1/exceptions...: exceptions (例外措置) through their life, with two people. One account
// requests (security_admin, ciso, or a section manager for their sections), another approves
// (the CISO, or an account the CISO granted `approve`), and only then do terminals receive it;
// it ends at its expiry or when revoked. Every change is kept with who, when and why
// (REQUIREMENTS 004:289, 004:1110-1120).
class ExceptionApi {
public:
    ExceptionApi(Store& store, const LocalCalendar& calendar, AdminScope& scope)
        : store_(store), calendar_(calendar), scope_(scope) {}

    // The answer to a request for one of its paths; nothing for any other path.
    std::optional<HttpResponse> handle(const HttpRequest& req, const std::string& path, const AdminUser& user);

    // The profile default for max_exception_days.
    static constexpr int kDefaultMaxDays = 90;

private:
    HttpResponse request(const HttpRequest& req, const AdminUser& user);
    HttpResponse approve(const HttpRequest& req, const AdminUser& user);
    HttpResponse revoke(const HttpRequest& req, const AdminUser& user);
    HttpResponse list(const HttpRequest& req, const AdminUser& user);
    HttpResponse history(const HttpRequest& req, const AdminUser& user);
    // The group whose profile and section the exception falls under.
    std::string groupOf(const ExceptionRecord& r);
    // max_exception_days of the profile the group follows.
    int maxDays(const std::string& group);
    // A section manager may act on exceptions of their sections only (Forbidden otherwise).
    void requireInSections(const ExceptionRecord& r, const AdminUser& user);

    Store& store_;
    const LocalCalendar& calendar_;
    AdminScope& scope_;
};

}  // namespace mamori::collector
