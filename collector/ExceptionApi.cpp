#include "collector/ExceptionApi.h"

#include <boost/json.hpp>
#include <limits>
#include <map>

#include "collector/AdminAnswer.h"
#include "collector/AdminHttp.h"
#include "collector/AdminQuery.h"
#include "collector/AdminRole.h"
#include "collector/ExceptionRequest.h"
#include "collector/PolicyResolver.h"
#include "mamori/common/Log.h"
#include "mamori/common/UserError.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

namespace json = boost::json;
using common::UserError;

std::optional<HttpResponse> ExceptionApi::handle(const HttpRequest& req, const std::string& path,
                                                 const AdminUser& user) {
    const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
    if (post && path == "/admin/v1/exceptions") return request(req, user);
    if (post && path == "/admin/v1/exceptions/approve") return approve(req, user);
    if (post && path == "/admin/v1/exceptions/revoke") return revoke(req, user);
    if (get && path == "/admin/v1/exceptions") return list(req, user);
    if (get && path == "/admin/v1/exceptions/history") return history(req, user);
    return std::nullopt;
}

std::string ExceptionApi::groupOf(const ExceptionRecord& r) {
    if (!r.group.empty()) return r.group;
    const auto t = store_.terminal(r.terminal);
    return t ? t->group : "";
}

int ExceptionApi::maxDays(const std::string& group) {
    PolicyResolver resolver(store_);
    mamori::v1::Policy policy;
    if (auto record = resolver.forGroup(group); record && policy.ParseFromString(record->policy) &&
                                                policy.max_exception_days() != 0)
        return static_cast<int>(policy.max_exception_days());
    return kDefaultMaxDays;
}

void ExceptionApi::requireInSections(const ExceptionRecord& r, const AdminUser& user) {
    if (AdminRole::inSections(user, groupOf(r))) return;
    throw UserError::forbidden("exception " + r.id + " is for a terminal or group outside your sections",
                               "例外措置 " + r.id + " は所管外の端末またはグループのものです");
}

HttpResponse ExceptionApi::request(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::requests(user), user, "request exceptions", "例外措置の申請",
                       "ciso, security_admin and section managers", "CISO・情報セキュリティ管理者・所属長");
    const json::object o = AdminHttp::body(req, "{\"terminal\" or \"group\", \"control\", \"until\", \"reason\", ...}");
    const int64_t now = AdminHttp::nowUnix();
    // The scope first, so the profile whose limit applies is known.
    const std::string terminal = AdminHttp::text(o, "terminal"), group = AdminHttp::text(o, "group");
    std::string scope_group = group;
    if (!terminal.empty()) scope_group = scope_.requireTerminal(terminal, user).group;
    if (!group.empty()) scope_.requireSection(group, user);
    ExceptionRecord rec = ExceptionRequest::fromJson(o, user.name, calendar_, now, maxDays(scope_group));
    requireInSections(rec, user);
    rec.version = store_.addException(rec, {rec.id, now, user.name, user.role, "requested", ""});
    json::object out = ExceptionRequest::toJson(rec, calendar_, now);
    Log::info("exception " + rec.id + " (" + json::value_to<std::string>(out.at("control")) + ") for " +
              (rec.terminal.empty() ? "group '" + rec.group + "'" : "terminal " + rec.terminal) + " until " +
              json::value_to<std::string>(out.at("until")) + " requested by " + user.name +
              "; it applies once another account approves it");
    return AdminHttp::reply(req, http::status::created, out);
}

HttpResponse ExceptionApi::approve(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::approves(user), user, "approve exceptions", "例外措置の承認",
                       "the CISO and those the CISO granted 'approve'", "CISO および CISO が承認権限を与えた利用者");
    const json::object o = AdminHttp::body(req, "{\"id\": ..., \"note\": ...}");
    const std::string id = AdminHttp::text(o, "id", "", true);
    const auto rec = store_.exception(id);
    if (!rec)
        throw UserError::notFound("no exception " + id + " (see mamorictl exception list --state requested)",
                                  "例外措置 " + id + " はありません（mamorictl exception list --state requested で確認できます）");
    requireInSections(*rec, user);
    // Separation of duties (004:289): whoever asked cannot be the one who allows.
    if (rec->requested_by == user.name)
        throw UserError::forbidden("exception " + id + " was requested by " + user.name +
                                       "; another account must approve it",
                                   "例外措置 " + id + " は " + user.name + " が申請したものです。別の利用者が承認してください");
    const int64_t now = AdminHttp::nowUnix();
    if (rec->expires_unix <= now)
        throw UserError::conflict("exception " + id + " would already have expired; request it again with a later date",
                                  "例外措置 " + id + " は既に有効期限を過ぎています。期限を改めて申請してください");
    // The period counts from when it takes effect.
    ExceptionRequest::requireWithin(rec->expires_unix, maxDays(groupOf(*rec)), calendar_, now);
    mamori::v1::PolicyException e;
    if (!e.ParseFromString(rec->exception)) throw std::runtime_error("stored exception " + id + " is unreadable");
    e.set_approved_by(user.name);
    e.set_approved_unix(now);
    const auto approved = store_.changeException({id, now, user.name, user.role, "approved", AdminHttp::text(o, "note")},
                                                 "requested", "active", e.SerializeAsString(), user.name, 0);
    Log::info("exception " + id + " approved by " + user.name + " (" + user.role + "); terminals in its scope take it " +
              "at their next sync, as policy version " + std::to_string(approved.version));
    return AdminHttp::reply(req, http::status::ok, ExceptionRequest::toJson(approved, calendar_, now));
}

HttpResponse ExceptionApi::revoke(const HttpRequest& req, const AdminUser& user) {
    const json::object o = AdminHttp::body(req, "{\"id\": ..., \"reason\": ...}");
    const std::string id = AdminHttp::text(o, "id", "", true);
    const std::string reason = AdminHttp::text(o, "reason");
    if (reason.empty())
        throw UserError::invalid("say why it is revoked (--reason): it is kept with the exception",
                                 "取り消しの理由（--reason）を記入してください。例外措置の記録として保存されます");
    const auto rec = store_.exception(id);
    if (!rec)
        throw UserError::notFound("no exception " + id + " (see mamorictl exception list)",
                                  "例外措置 " + id + " はありません（mamorictl exception list で確認できます）");
    // Those who operate or approve end an exception; a requester may withdraw their own request.
    const bool own_request = rec->state == "requested" && rec->requested_by == user.name;
    AdminRole::require(AdminRole::operates(user) || AdminRole::approves(user) || own_request, user,
                       "revoke exceptions", "例外措置の取り消し", "ciso, security_admin and approvers",
                       "CISO・情報セキュリティ管理者・承認者");
    requireInSections(*rec, user);
    const int64_t now = AdminHttp::nowUnix();
    if (ExceptionRequest::stateAt(*rec, now) == "expired")
        throw UserError::conflict("exception " + id + " has already expired", "例外措置 " + id + " は既に期限切れです");
    const auto revoked =
        store_.changeException({id, now, user.name, user.role, "revoked", reason}, rec->state, "revoked", "", "", now);
    Log::info("exception " + id + " revoked by " + user.name + " (" + user.role + "): " + reason +
              "; terminals in its scope drop it at their next sync");
    return AdminHttp::reply(req, http::status::ok, ExceptionRequest::toJson(revoked, calendar_, now));
}

HttpResponse ExceptionApi::list(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read exceptions", "例外措置の閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const int64_t now = AdminHttp::nowUnix();
    const std::string state = q.text("state");
    if (!state.empty() && state != "requested" && state != "active" && state != "expired" && state != "revoked")
        throw UserError::invalid("state must be requested, active, expired or revoked, not '" + state + "'",
                                 "state は requested・active・expired・revoked のいずれかです（'" + state + "'）");
    const std::string section = q.text("section");
    scope_.requireSection(section, user);
    int64_t before = std::numeric_limits<int64_t>::max();
    if (q.has("expiring_days")) before = now + q.integer("expiring_days", 0, 3660, 0) * 86400;
    json::array out;
    for (const auto& r : store_.exceptions()) {
        const std::string shown = ExceptionRequest::stateAt(r, now);
        // Without a state asked for: what is in force or waiting, as before.
        if (state.empty() ? (shown != "active" && shown != "requested") : shown != state) continue;
        if (r.expires_unix >= before) continue;
        const std::string group = groupOf(r);
        if (!AdminRole::inSections(user, group) || (!section.empty() && group != section)) continue;
        out.push_back(ExceptionRequest::toJson(r, calendar_, now));
    }
    return AdminHttp::reply(req, http::status::ok, AdminAnswer(calendar_).listing(std::move(out)));
}

HttpResponse ExceptionApi::history(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read exceptions", "例外措置の閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const std::string id = q.text("id");
    if (!id.empty()) {
        const auto rec = store_.exception(id);
        if (!rec)
            throw UserError::notFound("no exception " + id + " (see mamorictl exception list)",
                                      "例外措置 " + id + " はありません（mamorictl exception list で確認できます）");
        requireInSections(*rec, user);
    }
    // For a section manager's whole history: which exceptions are theirs, judged once each.
    std::map<std::string, bool> theirs;
    if (id.empty() && !AdminRole::seesAll(user))
        for (const auto& r : store_.exceptions()) theirs[r.id] = AdminRole::inSections(user, groupOf(r));
    const AdminAnswer answer(calendar_);
    json::array out;
    for (const auto& c : store_.exceptionHistory(id)) {
        if (id.empty() && !AdminRole::seesAll(user) && !theirs[c.exception_id]) continue;
        out.push_back(answer.change(c.exception_id, c.at_unix, c.actor, c.role, c.action, c.note));
    }
    return AdminHttp::reply(req, http::status::ok, answer.listing(std::move(out)));
}

}  // namespace mamori::collector
