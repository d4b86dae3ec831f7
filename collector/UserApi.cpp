#include "collector/UserApi.h"

#include <algorithm>
#include <boost/json.hpp>

#include "collector/AdminAnswer.h"
#include "collector/AdminHttp.h"
#include "collector/AdminRole.h"
#include "collector/PasswordHash.h"
#include "collector/RoleTitles.h"
#include "mamori/common/Log.h"
#include "mamori/common/UserError.h"
#include "mamori/proto/EnrollmentToken.h"
#include "mamori/proto/Sha256.h"

namespace mamori::collector {

namespace json = boost::json;
using common::UserError;

namespace {

std::vector<std::string> names(const json::object& o, const std::string& key) {
    std::vector<std::string> out;
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return out;
    if (!v->is_array())
        throw UserError::invalid(key + " must be a list of names", key + " は名前の配列で指定してください");
    for (const auto& name : v->as_array()) {
        if (!name.is_string() || name.as_string().empty())
            throw UserError::invalid(key + " must be a list of names", key + " は名前の配列で指定してください");
        out.emplace_back(name.as_string());
    }
    return out;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
    return out;
}

}  // namespace

std::optional<HttpResponse> UserApi::handle(const HttpRequest& req, const std::string& path, const AdminUser& user) {
    const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
    if (post && path == "/admin/v1/users") return add(req, user);
    if (get && path == "/admin/v1/users") return list(req, user);
    if (post && path == "/admin/v1/users/change") return change(req, user);
    if (post && path == "/admin/v1/users/password") return setPassword(req, user);
    if (get && path == "/admin/v1/roles") return roles(req, user);
    if (post && path == "/admin/v1/roles/title") return setTitle(req, user);
    return std::nullopt;
}

bool UserApi::anyEnabledCiso() {
    const auto users = store_.adminUsers();
    return std::any_of(users.begin(), users.end(),
                       [](const AdminUser& u) { return u.role == "ciso" && u.disabled_unix == 0; });
}

void UserApi::requireMayManage(const AdminUser& user, const std::string& role) {
    AdminRole::require(AdminRole::managesUsers(user), user, "manage users", "利用者の管理", "ciso and security_admin",
                       "CISO・情報セキュリティ管理者");
    if (role == "ciso" && user.role != "ciso" && anyEnabledCiso())
        throw UserError::forbidden("only the CISO manages CISO accounts (" + user.name + " is " + user.role + ")",
                                   "CISO の利用者を管理できるのは CISO のみです（" + user.name + " の役割は " + user.role + "）");
}

void UserApi::setRole(AdminUser& target, const json::object& o, bool required) {
    const std::string role = AdminHttp::text(o, "role", target.role, required);
    if (!AdminRole::known(role))
        throw UserError::invalid("role must be one of " + joined(AdminRole::names()) + ", not '" + role + "'",
                                 "役割は " + joined(AdminRole::names()) + " のいずれかです（'" + role + "'）");
    target.role = role;
    if (o.contains("sections")) target.sections = names(o, "sections");
    if (role != "section_manager") {
        if (o.contains("sections") && !target.sections.empty())
            throw UserError::invalid("only section managers are limited to sections; " + role + " sees all",
                                     "所属で範囲を限定できるのは section_manager のみです（" + role + " は全端末を見られます）");
        target.sections.clear();
    }
    // A section manager (所属長) answers for named sections; without one they would see nothing.
    if (role == "section_manager" && target.sections.empty())
        throw UserError::invalid("a section manager needs at least one --section",
                                 "所属長（section_manager）には所管の所属（--section）が1つ以上必要です");
}

HttpResponse UserApi::add(const HttpRequest& req, const AdminUser& user) {
    const json::object o = AdminHttp::body(req, "{\"name\": ..., \"role\": ..., \"sections\": [...]}");
    AdminUser added;
    added.name = AdminHttp::text(o, "name", "", true);
    if (added.name.empty()) throw UserError::invalid("the user needs a name", "利用者名が空です");
    setRole(added, o, true);
    requireMayManage(user, added.role);
    // The same kind of secret as the first administrator's (CollectorHome); only its hash is stored.
    const std::string token = mamori::proto::EnrollmentToken::generate("").secret;
    added.token_hash = mamori::proto::Sha256::hex(mamori::proto::Sha256::of(token));
    store_.addAdminUser(added);
    Log::info("admin user " + added.name + " (" + added.role + ") added by " + user.name);
    return AdminHttp::reply(req, http::status::created,
                            json::object{{"name", added.name}, {"role", added.role}, {"token", token}});
}

HttpResponse UserApi::list(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::managesUsers(user) || user.role == "auditor", user, "list users", "利用者の一覧",
                       "ciso, security_admin and auditors", "CISO・情報セキュリティ管理者・監査担当");
    const AdminAnswer answer(calendar_);
    RoleTitles titles(store_);
    json::array rows;
    for (const auto& u : store_.adminUsers()) {
        json::array sections, rights;
        for (const auto& s : u.sections) sections.emplace_back(s);
        for (const auto& r : u.rights) rights.emplace_back(r);
        json::object row{{"name", u.name},         {"role", u.role},     {"title", titles.title(u.role)},
                         {"sections", sections}, {"rights", rights}};
        answer.time(row, "disabled", u.disabled_unix);
        // Whether the account may use the console, and a lock its failed attempts set.
        const auto login = store_.consoleLogin(u.name);
        row["console_password"] = login.has_value();
        answer.time(row, "console_locked_until",
                    login && login->locked_until_unix > AdminHttp::nowUnix() ? login->locked_until_unix : 0);
        rows.push_back(std::move(row));
    }
    return AdminHttp::reply(req, http::status::ok, answer.listing(std::move(rows)));
}

HttpResponse UserApi::change(const HttpRequest& req, const AdminUser& user) {
    const json::object o = AdminHttp::body(
        req, "{\"name\": ..., \"role\": ..., \"sections\": [...], \"grant\": [...], \"revoke\": [...], \"disabled\": ...}");
    const std::string name = AdminHttp::text(o, "name", "", true);
    auto target = store_.adminByName(name);
    if (!target) throw UserError::notFound("no user '" + name + "' (see mamorictl user list)",
                                           "利用者「" + name + "」はいません（mamorictl user list で確認できます）");
    requireMayManage(user, target->role);
    // A change that names nothing to change is a mistaken command, not a success.
    if (!o.contains("role") && !o.contains("sections") && names(o, "grant").empty() && names(o, "revoke").empty() &&
        !o.contains("disabled"))
        throw UserError::invalid("say what to change: a role, sections, rights to grant or revoke, or disabled",
                                 "変更する内容（役割・所属・付与または取り消す権限・無効化）を指定してください");
    if (o.contains("role") || o.contains("sections")) {
        setRole(*target, o, false);
        requireMayManage(user, target->role);
    }
    const auto grant = names(o, "grant"), revoke = names(o, "revoke");
    if (!grant.empty() || !revoke.empty()) {
        // Who may approve and who may read a person's events is the CISO's to say (004:1070).
        AdminRole::require(user.role == "ciso", user, "grant rights", "権限の付与", "the CISO", "CISO");
        for (const auto& r : grant) {
            if (std::find(AdminRole::rightNames().begin(), AdminRole::rightNames().end(), r) ==
                AdminRole::rightNames().end())
                throw UserError::invalid("no right '" + r + "'; give one of " + joined(AdminRole::rightNames()),
                                         "権限「" + r + "」はありません。次のいずれかです: " + joined(AdminRole::rightNames()));
            if (std::find(target->rights.begin(), target->rights.end(), r) == target->rights.end())
                target->rights.push_back(r);
        }
        for (const auto& r : revoke) std::erase(target->rights, r);
    }
    if (const json::value* d = o.if_contains("disabled")) {
        if (!d->is_bool()) throw UserError::invalid("disabled must be true or false", "disabled は true か false で指定してください");
        if (d->as_bool() && target->name == user.name)
            throw UserError::invalid("nobody disables their own account; ask another administrator",
                                     "自分の利用者を無効にすることはできません。別の管理者に依頼してください");
        target->disabled_unix = d->as_bool() ? (target->disabled_unix ? target->disabled_unix : AdminHttp::nowUnix()) : 0;
    }
    if (!store_.updateAdminUser(*target))
        throw UserError::notFound("no user '" + name + "'", "利用者「" + name + "」はいません");
    Log::info("admin user " + target->name + " changed by " + user.name + ": role " + target->role + ", rights [" +
              AdminRole::joinRights(target->rights) + "]" + (target->disabled_unix ? ", disabled" : ""));
    json::array rights;
    for (const auto& r : target->rights) rights.emplace_back(r);
    json::object out{{"name", target->name}, {"role", target->role}, {"rights", rights}};
    AdminAnswer(calendar_).time(out, "disabled", target->disabled_unix);
    return AdminHttp::reply(req, http::status::ok, out);
}

HttpResponse UserApi::setPassword(const HttpRequest& req, const AdminUser& user) {
    const json::object o = AdminHttp::body(req, "{\"name\": ..., \"password\": ...}");
    const std::string name = AdminHttp::text(o, "name", user.name);
    const std::string password = AdminHttp::text(o, "password", "", true);
    // Everyone sets their own, with their own token. Another's only the CISO sets: whoever sets a
    // password can sign in as its account, and an administrator who could do that for an
    // approver would be both people of a two-person approval.
    if (name != user.name) {
        AdminRole::require(user.role == "ciso", user, "set another account's console password",
                           "他の利用者のコンソールのパスワードの設定", "the CISO", "CISO");
        if (!store_.adminByName(name))
            throw UserError::notFound("no user '" + name + "' (see mamorictl user list)",
                                      "利用者「" + name + "」はいません（mamorictl user list で確認できます）");
    }
    const int64_t now = AdminHttp::nowUnix();
    // A new password also lifts a lock and signs out every browser of the account.
    store_.putConsoleLogin({name, PasswordHash::make(password), 0, 0, now});
    const uint64_t ended = store_.dropConsoleSessions(0, name);
    store_.recordAccess({now, user.name, user.role, "", "console password set for " + name});
    Log::info("console password of " + name + " set by " + user.name + "; " + std::to_string(ended) +
              " console session(s) ended");
    json::object out{{"name", name}, {"sessions_ended", ended}};
    AdminAnswer(calendar_).time(out, "changed", now);
    return AdminHttp::reply(req, http::status::ok, out);
}

HttpResponse UserApi::roles(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read", "閲覧", "any role", "いずれかの役割");
    RoleTitles titles(store_);
    json::array rows;
    for (const auto& role : AdminRole::names())
        rows.push_back(json::object{
            {"role", role}, {"title", titles.title(role)}, {"standard_title", RoleTitles::standardTitle(role)}});
    return AdminHttp::reply(req, http::status::ok, AdminAnswer(calendar_).listing(std::move(rows)));
}

HttpResponse UserApi::setTitle(const HttpRequest& req, const AdminUser& user) {
    const json::object o = AdminHttp::body(req, "{\"role\": ..., \"title\": ...}");
    const std::string role = AdminHttp::text(o, "role", "", true);
    const std::string title = AdminHttp::text(o, "title", "", true);
    // Naming the roles is naming who may do what: the CISO's, as managing CISO accounts is.
    requireMayManage(user, "ciso");
    RoleTitles titles(store_);
    titles.set(role, title);
    Log::info("role " + role + " is shown as " + titles.title(role) + " (set by " + user.name + ")");
    return AdminHttp::reply(req, http::status::ok, json::object{{"role", role}, {"title", titles.title(role)}});
}

}  // namespace mamori::collector
