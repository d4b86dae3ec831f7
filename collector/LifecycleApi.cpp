#include "collector/LifecycleApi.h"

#include <boost/json.hpp>
#include <chrono>

#include "collector/AdminHttp.h"
#include "collector/AdminRole.h"
#include "collector/AdminScope.h"
#include "mamori/common/Log.h"
#include "mamori/common/NearestWord.h"
#include "mamori/common/UserError.h"
#include "mamori/proto/Ed25519Key.h"

namespace mamori::collector {

namespace json = boost::json;
using common::UserError;

namespace {

std::string tokenState(const EnrollToken& t, int64_t now_unix) {
    if (t.revoked_unix != 0) return "revoked";
    if (t.used_unix != 0) return "used";
    return t.expires_unix <= now_unix ? "expired" : "active";
}

}  // namespace

std::optional<HttpResponse> LifecycleApi::handle(const HttpRequest& req, const std::string& path,
                                                 const AdminUser& user) {
    const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
    if (get && path == "/admin/v1/status") return status(req, user);
    if (post && path == "/admin/v1/terminals/decommission") return decommission(req, user);
    if (get && path == "/admin/v1/enroll-tokens") return tokens(req, user);
    if (post && path == "/admin/v1/enroll-tokens/revoke") return revokeToken(req, user);
    return std::nullopt;
}

HttpResponse LifecycleApi::status(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read the collector's status", "コレクターの状態の閲覧", "any role",
                       "いずれかの役割");
    const int64_t now = AdminHttp::nowUnix();
    // What is served is what agents see; a certificate renewed on disk is served after a restart.
    std::vector<CertificateExpiry::Entry> on_disk;
    try {
        on_disk = CertificateExpiry::onDisk(settings_.home);
    } catch (const std::exception& e) {
        Log::warn(std::string("status: cannot read the certificates on disk: ") + e.what());
    }
    json::array rows;
    for (const auto& e : settings_.served) {
        json::object row{{"certificate", e.name}, {"subject", e.subject}, {"fingerprint", e.fingerprint}};
        answer_.time(row, "expires", e.not_after_unix);
        row["days_left"] = CertificateExpiry::daysLeft(e, now);
        row["warning"] = CertificateExpiry::dueSoon(e, now);
        row["advice"] = CertificateExpiry::dueSoon(e, now) ? CertificateExpiry::advice(e, settings_.home) : "";
        bool restart = false;
        for (const auto& d : on_disk)
            if (d.name == e.name && d.fingerprint != e.fingerprint) restart = true;
        row["restart_needed"] = restart;
        rows.push_back(std::move(row));
    }
    uint64_t in_service = 0, decommissioned = 0, tokens_active = 0;
    for (const auto& t : store_.terminals()) ++(t.decommissioned_unix ? decommissioned : in_service);
    for (const auto& t : store_.enrollTokens()) tokens_active += tokenState(t, now) == "active";
    json::object answer = answer_.listing(std::move(rows));
    answer["collector_version"] = MAMORI_VERSION;
    answer["warn_days"] = CertificateExpiry::kWarnDays;
    answer["terminals_in_service"] = in_service;
    answer["terminals_decommissioned"] = decommissioned;
    answer["enroll_tokens_active"] = tokens_active;
    return AdminHttp::reply(req, http::status::ok, answer);
}

HttpResponse LifecycleApi::decommission(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::operates(user), user, "decommission a terminal", "端末の廃止", "ciso and security_admin",
                       "CISO・情報セキュリティ管理者");
    const json::object body = AdminHttp::body(req, "{\"terminal\": ..., \"reason\": ...}");
    const std::string id = AdminHttp::text(body, "terminal", "", true);
    const std::string reason = AdminHttp::text(body, "reason", "", true);
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        throw UserError::invalid("say why the terminal is decommissioned (reason): it is kept with it",
                                 "廃止の理由（reason）を記入してください。端末の記録とともに保存されます");
    const TerminalRecord terminal = AdminScope(store_).requireTerminal(id, user);
    const int64_t now = AdminHttp::nowUnix();
    TerminalStore::Decommission d{now, calendar_.dateOfUnix(now), user.name, reason, {}};
    // Bundles are checked against the certificate vouching for the event key as of their export;
    // the terminal renews it no more, so it is issued once more, for as long as its evidence is
    // kept. It vouches for history only: the terminal's certificates are refused from now on.
    if (terminal.decommissioned_unix == 0)
        d.evidence_certificate_pem = ca_.issueClient(mamori::proto::Ed25519Key::fromPublicRaw(terminal.public_key), id,
                                                     settings_.evidence_kept);
    const TerminalRecord after = store_.decommissionTerminal(id, d);
    // The access log is the trail of who decided what about a terminal's evidence.
    store_.recordAccess({now, user.name, user.role, id, "decommissioned: " + reason});
    Log::info("admin endpoint: " + user.name + " (" + user.role + ") decommissioned terminal " + id + ": " + reason +
              "; its certificate is refused from now on, its evidence is kept");
    json::object out{{"terminal", id}, {"by", after.decommissioned_by}, {"reason", after.decommission_reason}};
    answer_.time(out, "decommissioned", after.decommissioned_unix);
    out["head_seq"] = after.head_seq;
    return AdminHttp::reply(req, http::status::ok, out);
}

HttpResponse LifecycleApi::tokens(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::seesAll(user), user, "list enrollment tokens", "登録トークンの一覧の閲覧",
                       "ciso, security_admin and auditors", "CISO・情報セキュリティ管理者・監査担当");
    const int64_t now = AdminHttp::nowUnix();
    json::array rows;
    for (const auto& t : store_.enrollTokens()) {
        json::object row{{"id", t.id()}, {"group", t.group}, {"state", tokenState(t, now)}, {"created_by", t.created_by}};
        answer_.time(row, "expires", t.expires_unix);
        answer_.time(row, "used", t.used_unix);
        answer_.time(row, "revoked", t.revoked_unix);
        row["revoked_by"] = t.revoked_by;
        rows.push_back(std::move(row));
    }
    return AdminHttp::reply(req, http::status::ok, answer_.listing(std::move(rows)));
}

HttpResponse LifecycleApi::revokeToken(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::operates(user), user, "revoke enrollment tokens", "登録トークンの失効",
                       "ciso and security_admin", "CISO・情報セキュリティ管理者");
    const json::object body = AdminHttp::body(req, "{\"id\": ...}");
    const std::string id = AdminHttp::text(body, "id", "", true);
    const EnrollToken t = store_.revokeEnrollToken(id, AdminHttp::nowUnix(), user.name);
    Log::info("admin endpoint: " + user.name + " revoked enrollment token " + t.id() + " of group '" + t.group + "'");
    json::object out{{"id", t.id()}, {"group", t.group}, {"state", "revoked"}, {"revoked_by", t.revoked_by}};
    answer_.time(out, "revoked", t.revoked_unix);
    answer_.time(out, "expires", t.expires_unix);
    return AdminHttp::reply(req, http::status::ok, out);
}

}  // namespace mamori::collector
