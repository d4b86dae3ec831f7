#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "collector/AdminScope.h"
#include "collector/HttpsServer.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// /admin/v1/users...: the people of the admin endpoint. security_admin and the CISO add, list,
// disable and re-role accounts; only the CISO makes CISO accounts and grants rights, except
// that while no CISO account is enabled the first one may be made by a security_admin (the
// collector starts with one security_admin). Nobody disables their own account. Everyone sets
// their own console password, and only the CISO another's; a new password lifts a lock and
// ends the account's console sessions.
// /admin/v1/roles...: the roles with the titles the city gives them (RoleTitles), set by whoever
// manages CISO accounts.
class UserApi {
public:
    UserApi(Store& store, const LocalCalendar& calendar, AdminScope& scope)
        : store_(store), calendar_(calendar), scope_(scope) {}

    std::optional<HttpResponse> handle(const HttpRequest& req, const std::string& path, const AdminUser& user);

private:
    HttpResponse add(const HttpRequest& req, const AdminUser& user);
    HttpResponse list(const HttpRequest& req, const AdminUser& user);
    HttpResponse change(const HttpRequest& req, const AdminUser& user);
    HttpResponse setPassword(const HttpRequest& req, const AdminUser& user);
    HttpResponse roles(const HttpRequest& req, const AdminUser& user);
    HttpResponse setTitle(const HttpRequest& req, const AdminUser& user);
    // Role and sections as given, checked: a known role, sections for a section manager only.
    void setRole(AdminUser& target, const boost::json::object& o, bool required);
    // Whether `user` may make or change an account that is or becomes `role`.
    void requireMayManage(const AdminUser& user, const std::string& role);
    bool anyEnabledCiso();

    Store& store_;
    const LocalCalendar& calendar_;
    AdminScope& scope_;
};

}  // namespace mamori::collector
