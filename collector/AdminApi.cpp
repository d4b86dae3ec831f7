#include "collector/AdminApi.h"

#include <google/protobuf/util/json_util.h>

#include <boost/json.hpp>
#include <chrono>
#include <limits>

#include "collector/AdminAnswer.h"
#include "collector/AdminQuery.h"
#include "collector/EventTime.h"
#include "collector/EvidenceExport.h"
#include "collector/AdminHttp.h"
#include "collector/AdminRole.h"
#include "collector/MonthlyReport.h"
#include "collector/PolicyResolver.h"
#include "collector/PolicyUpload.h"
#include "mamori/policy/PolicySummary.h"
#include "collector/ReportingExpectation.h"
#include "mamori/proto/Certificate.h"
#include "mamori/proto/EnrollmentToken.h"
#include "mamori/common/Log.h"
#include "mamori/common/NearestWord.h"
#include "mamori/common/UserError.h"
#include "mamori/proto/Sha256.h"
#include "mamori/v1/event.pb.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

namespace json = boost::json;
using common::UserError;

namespace {

// Seconds since 1970 that still fit in nanoseconds as int64.
constexpr int64_t kMaxUnixSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000;

std::string pathOf(const HttpRequestHead& req) {
    std::string t(req.target());
    return t.substr(0, t.find('?'));
}

}  // namespace

HttpResponse AdminApi::unauthenticated(const HttpRequestHead& req, const std::string& disabled) {
    if (!disabled.empty())
        return AdminHttp::error(req, http::status::unauthorized,
                                "the account " + disabled + " is disabled; ask an administrator to enable it",
                                "利用者 " + disabled + " は無効化されています。管理者に有効化を依頼してください");
    return AdminHttp::error(req, http::status::unauthorized, "a valid bearer token is required",
                            "有効なアクセストークンが必要です");
}

std::optional<AdminUser> AdminApi::authenticate(const HttpRequestHead& req, const Caller& caller,
                                                std::string& disabled) {
    std::string auth(req[http::field::authorization]);
    std::optional<AdminUser> user;
    if (auth.rfind("Bearer ", 0) == 0)
        user = store_.adminByTokenHash(mamori::proto::Sha256::hex(mamori::proto::Sha256::of(auth.substr(7))));
    if (user && user->disabled_unix != 0) {
        Log::warn("admin endpoint: " + caller.address + " " + std::string(req.method_string()) + " " +
                  std::string(req.target()) + " refused: the account " + user->name + " is disabled");
        disabled = user->name;
        return std::nullopt;
    }
    if (!user)
        Log::warn("admin endpoint: " + caller.address + " " + std::string(req.method_string()) + " " +
                  std::string(req.target()) + " refused: no valid token");
    return user;
}

std::optional<HttpResponse> AdminApi::admit(const HttpRequestHead& req, const Caller& caller, std::size_t& body_limit) {
    // The token is checked on the header: a caller without one never has a body read.
    std::string disabled;
    if (!authenticate(req, caller, disabled)) return unauthenticated(req, disabled);
    body_limit = req.method() == http::verb::get ? 0 : kMaxBody;
    return std::nullopt;
}

HttpResponse AdminApi::handle(const HttpRequest& req, const Caller& caller) {
    std::string disabled;
    std::optional<AdminUser> user;
    try {
        user = authenticate(req, caller, disabled);
    } catch (const std::exception& e) {
        Log::error("admin endpoint: " + std::string(req.method_string()) + " " + std::string(req.target()) + " by " +
                   caller.address + " failed: " + e.what());
        return AdminHttp::error(req, http::status::internal_server_error,
                                "internal error; the collector's log has the details",
                                "コレクター内部でエラーが発生しました。詳細はコレクターのログを確認してください");
    }
    if (!user) return unauthenticated(req, disabled);
    return serve(req, *user);
}

HttpResponse AdminApi::serve(const HttpRequest& req, const AdminUser& user) {
    const std::string path = pathOf(req);
    const std::string request = std::string(req.method_string()) + " " + std::string(req.target());
    try {
        for (const auto& e : extensions_)
            if (auto answer = e(req, path, user)) return std::move(*answer);
        const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
        if (post && path == "/admin/v1/enroll-tokens") return createToken(req, user);
        if (get && path == "/admin/v1/terminals") return listTerminals(req, user);
        if (get && path == "/admin/v1/sections") return sections(req, user);
        if (get && path == "/admin/v1/violations") return violations(req, user);
        if (get && path == "/admin/v1/events") return events(req, user);
        if (get && path == "/admin/v1/export") return exportEvidence(req, user);
        if (get && path == "/admin/v1/report/monthly") return monthlyReport(req, user);
        if (post && path == "/admin/v1/policies") return pushPolicy(req, user);
        if (post && path == "/admin/v1/terminals/group") return setTerminalGroup(req, user);
        if (post && path == "/admin/v1/terminals/resolve-tampering") return resolveTampering(req, user);
        if (get && path == "/admin/v1/policy-status") return policyStatus(req, user);
        if (get && path == "/admin/v1/policies") return policyInForce(req, user);
        if (auto answer = exceptions_.handle(req, path, user)) return std::move(*answer);
        if (auto answer = media_.handle(req, path, user)) return std::move(*answer);
        if (auto answer = users_.handle(req, path, user)) return std::move(*answer);
        if (get && path == "/admin/v1/access-log") return accessLog(req, user);
    } catch (const UserError& e) {
        // The client's mistake: its status and both messages, so mamorictl can show them.
        Log::info("admin endpoint: " + user.name + " " + request + " refused (" + std::to_string(e.httpStatus()) +
                  "): " + e.english());
        return AdminHttp::error(req, http::int_to_status(e.httpStatus()), e.english(), e.japanese());
    } catch (const std::exception& e) {
        // Anything else is ours: the details go to the log, not to the client.
        Log::error("admin endpoint: " + request + " by " + user.name + " failed: " + e.what());
        return AdminHttp::error(req, http::status::internal_server_error,
                         "internal error; the collector's log has the details",
                         "コレクター内部でエラーが発生しました。詳細はコレクターのログを確認してください");
    }
    return AdminHttp::error(req, http::status::not_found, "no such endpoint: " + path, "そのような操作はありません");
}

HttpResponse AdminApi::createToken(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::operates(user), user, "create enrollment tokens", "登録トークンの発行",
                       "ciso and security_admin", "CISO・情報セキュリティ管理者");
    const json::object o = AdminHttp::body(req, "{\"group\": ..., \"valid_hours\": ...}");
    const std::string group = AdminHttp::text(o, "group", "default");
    int64_t hours = 24;
    if (const json::value* h = o.if_contains("valid_hours")) {
        if (h->is_int64()) hours = h->as_int64();
        else if (h->is_uint64()) hours = std::numeric_limits<int64_t>::max();
        else hours = 0;
    }
    if (hours < 1 || hours > 24 * 90)
        throw UserError::invalid("valid_hours must be a whole number of hours from 1 to 2160",
                                 "valid_hours（有効時間）には 1〜2160 の整数を指定してください");
    auto token = mamori::proto::EnrollmentToken::generate(settings_.ca_fingerprint);
    if (group.empty()) throw UserError::invalid("the group must not be empty", "グループ名が空です");
    const int64_t expires = AdminHttp::nowUnix() + hours * 3600;
    store_.addEnrollToken(EnrollToken{token.secretHash(), group, expires, user.name});
    // A token is how a new section begins (the store's tokens name it): its policy may be pushed
    // before its first terminal joins.
    Log::info("enrollment token for group '" + group + "' created by " + user.name);
    json::object out{{"token", token.str()}, {"id", EnrollToken::idOf(token.secretHash())}, {"group", group}};
    answer_.time(out, "expires", expires);
    return AdminHttp::reply(req, http::status::created, out);
}

HttpResponse AdminApi::listTerminals(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read", "閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const std::string section = q.text("section");
    scope_.requireSection(section, user);
    // One terminal (the console's page of it): unknown is a 404, another section's a 403.
    const std::string only = q.text("terminal");
    if (!only.empty() && !AdminRole::inSections(user, scope_.requireTerminal(only, user).group))
        throw UserError::forbidden("terminal outside your sections", "所管外の端末です");
    json::array rows;
    int64_t now = AdminHttp::nowUnix();
    ReportingExpectation expectation(store_, settings_.heartbeat_deadline_s);
    for (const auto& t : store_.terminals()) {
        if (!AdminRole::inSections(user, t.group) || (!section.empty() && t.group != section)) continue;
        if (!only.empty() && t.id != only) continue;
        json::object row{{"id", t.id}, {"hostname", t.hostname}, {"group", t.group}};
        answer_.time(row, "enrolled", t.enrolled_unix);
        answer_.time(row, "last_seen", t.last_seen_unix);
        row["head_seq"] = t.head_seq;
        row["policy_version"] = t.applied_policy_version;
        row["clock_skew_ms"] = t.clock_skew_ms;
        row["clock_wrong"] = t.clock_wrong;
        answer_.time(row, "tampering_since", t.tampering_since_unix);
        row["tampering_detail"] = t.tampering_detail;
        answer_.time(row, "off_since", t.off_since_unix);
        row["presence"] = ReportingExpectation::name(expectation.presence(t, now));
        // When the terminal's TLS certificate runs out (it renews itself before; a date near
        // means it has not). For one terminal only: reading a fleet's certificates takes seconds.
        int64_t expires = 0;
        try {
            if (!only.empty() && !t.tls_certificate_pem.empty())
                expires = mamori::proto::Certificate::fromPem(t.tls_certificate_pem).notAfterUnix();
        } catch (const std::invalid_argument&) {
        }
        answer_.time(row, "certificate_expires", expires);
        rows.push_back(std::move(row));
    }
    return AdminHttp::reply(req, http::status::ok, answer_.listing(std::move(rows)));
}

HttpResponse AdminApi::sections(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read", "閲覧", "any role", "いずれかの役割");
    json::array rows;
    for (const auto& s : AdminRole::seesAll(user) ? scope_.sections().names() : AdminRole::scope(user))
        rows.push_back(json::object{{"section", s}});
    json::object out = answer_.listing(std::move(rows));
    // The municipality's date now, for a reader that has no zone database (the console's month).
    out["today"] = calendar_.dateOfUnix(AdminHttp::nowUnix());
    return AdminHttp::reply(req, http::status::ok, out);
}

HttpResponse AdminApi::violations(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read", "閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const int64_t now = AdminHttp::nowUnix();
    const std::string date = q.text("date").empty() || q.text("date") == "today" ? calendar_.dateOfUnix(now)
                                                                                 : q.date("date");
    scope_.requireSection(q.text("section"), user);
    auto rows = compliance_.violations(date, now, q.text("section"), q.text("control"),
                                       AdminRole::scope(user));
    json::array out;
    for (const auto& r : rows) {
        json::object row{{"terminal", r.terminal},
                         {"section", r.group},
                         {"control", r.control},
                         {"status", r.status},
                         {"violations", r.violations},
                         {"exempted", r.exempted},
                         {"events", r.events},
                         {"since", r.since},
                         {"reason", r.reason}};
        answer_.time(row, "last_seen", r.last_seen_unix);
        row["clock_skew_ms"] = r.clock_skew_ms;
        out.push_back(std::move(row));
    }
    json::object answer = answer_.envelope();
    answer["date"] = date;
    answer["rows"] = std::move(out);
    return AdminHttp::reply(req, http::status::ok, answer);
}

HttpResponse AdminApi::events(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read", "閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    // Every parameter is checked before the read is recorded: a refused request read nothing.
    const int64_t since_ns = q.since(calendar_, kMaxUnixSeconds) * 1'000'000'000;
    const auto after = static_cast<uint64_t>(q.integer("after_seq", 0, std::numeric_limits<int64_t>::max(), 0));
    const auto limit = static_cast<uint32_t>(q.integer("limit", 1, 10000, 1000));
    // A named person's doings are read only by those the CISO named (004:1070).
    const std::string person = q.text("user");
    if (!person.empty())
        AdminRole::require(AdminRole::readsPersonEvents(user), user, "read a named person's events",
                           "特定の利用者のイベントの閲覧", "the CISO and those granted person_events",
                           "CISO および CISO が person_events の権限を与えた利用者");
    const TerminalRecord terminal = scope_.requireTerminal(q.text("terminal"), user);
    const std::string action = person.empty() ? "events" : "events of user " + person;
    if (auto refused = refuseOutsideSections(req, user, terminal, action)) return std::move(*refused);
    Log::info("admin endpoint: " + user.name + " (" + user.role + ") read the " + action + " of " + terminal.id);
    // Recorded before the read: evidence nobody can show was read unrecorded is never served.
    store_.recordAccess({AdminHttp::nowUnix(), user.name, user.role, terminal.id, action});
    json::array out;
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    for (const auto& e : store_.events(terminal.id, since_ns, after, limit)) {
        mamori::v1::EventBody body;
        body.ParseFromString(e.body);
        // A page of the terminal's events, those naming the person: the sessions carry the name.
        if (!person.empty() && (!body.has_session() || body.session().user() != person)) continue;
        std::string text;
        (void)google::protobuf::util::MessageToJsonString(body, &text, opts);
        // The terminal's claimed time; the body keeps it as the terminal signed it.
        json::object row{{"seq", e.seq}};
        answer_.timeNs(row, e.utc_ns);
        answer_.time(row, "arrival", e.arrival_unix);
        row["local_date"] = e.local_date;
        // Which clock chose local_date: the terminal's own, or the collector's at arrival (the
        // terminal's was not believed).
        row["filed_by"] = e.filed_by_arrival ? "arrival" : "terminal clock";
        row["time_plausible"] = EventTime::plausible(e.utc_ns, e.arrival_unix);
        row["hash"] = mamori::proto::Sha256::hex(e.hash);
        row["body"] = json::parse(text);
        out.push_back(std::move(row));
    }
    json::object answer = answer_.envelope();
    answer["terminal"] = terminal.id;
    answer["rows"] = std::move(out);
    return AdminHttp::reply(req, http::status::ok, answer);
}

std::optional<HttpResponse> AdminApi::refuseOutsideSections(const HttpRequest& req, const AdminUser& user,
                                                            const TerminalRecord& terminal, const std::string& action) {
    if (AdminRole::inSections(user, terminal.group)) return std::nullopt;
    Log::warn("admin endpoint: " + user.name + " (" + user.role + ") refused " + action + " of " + terminal.id);
    store_.recordAccess({AdminHttp::nowUnix(), user.name, user.role, terminal.id, action + " (refused)"});
    return AdminHttp::error(req, http::status::forbidden, "terminal outside your sections", "所管外の端末です");
}

HttpResponse AdminApi::exportEvidence(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read", "閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const std::string from = q.date("from"), to = q.date("to");
    if (from.empty() || to.empty())
        throw UserError::invalid("an export needs both from and to, YYYY-MM-DD",
                                 "出力には開始日（from）と終了日（to）の両方が必要です");
    const TerminalRecord terminal = scope_.requireTerminal(q.text("terminal"), user);
    if (auto refused = refuseOutsideSections(req, user, terminal, "export")) return std::move(*refused);
    const int64_t now = AdminHttp::nowUnix();
    // Recorded before the read, as for events.
    store_.recordAccess({now, user.name, user.role, terminal.id, "export " + from + " to " + to});
    const auto bundle =
        EvidenceExport(store_, calendar_).build(terminal.id, from, to, settings_.ca_pem, user.name, now);
    Log::info("admin endpoint: " + user.name + " (" + user.role + ") exported " + std::to_string(bundle.events_size()) +
              " events of " + terminal.id + " dated " + from + " to " + to);
    return HttpsServer::reply(req, http::status::ok, bundle.SerializeAsString(), "application/x-protobuf");
}

HttpResponse AdminApi::monthlyReport(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read", "閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const auto report = MonthlyReport(store_, calendar_)
                            .build(q.text("month"), AdminHttp::nowUnix(), q.text("section"),
                                   AdminRole::scope(user));
    // The month is checked first (a malformed month is the first thing to say), then the section.
    scope_.requireSection(q.text("section"), user);
    json::object answer = answer_.envelope();
    for (auto& [key, value] : MonthlyReport::toJson(report, calendar_.zoneName())) answer[key] = std::move(value);
    return AdminHttp::reply(req, http::status::ok, answer);
}

HttpResponse AdminApi::pushPolicy(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::operates(user), user, "push policy", "ポリシーの配布", "ciso and security_admin",
                       "CISO・情報セキュリティ管理者");
    const json::object o = AdminHttp::body(req, "{\"policy_base64\": ..., \"group\": ...}");
    // mamorictl validated the YAML where its relative files are (file:line errors there); what
    // arrives is the resulting protobuf, checked again for readability here.
    const mamori::v1::Policy policy = PolicyUpload::decode(AdminHttp::text(o, "policy_base64", "", true));
    PolicyRecord rec;
    rec.group = AdminHttp::text(o, "group", PolicyResolver::kDefaultGroup);
    if (rec.group.empty()) throw UserError::invalid("the group must not be empty", "グループ名が空です");
    // A policy for a group no terminal will ever join protects nothing: a new section is said so.
    const json::value* create = o.if_contains("create_section");
    if (create && !create->is_bool())
        throw UserError::invalid("create_section must be true or false", "create_section は true か false で指定してください");
    // With create_section the policy itself begins the section.
    if (!create || !create->as_bool())
        scope_.sections().require(rec.group, "; to begin a new section with this policy, push it with --create-section",
                          "。新しい所属としてこのポリシーを配布するときは --create-section を付けてください");
    media_.requireAgreesWithLedger(policy, rec.group);
    rec.name = policy.name();
    rec.policy = policy.SerializeAsString();
    rec.created_unix = AdminHttp::nowUnix();
    rec.created_by = user.name;
    uint64_t version = store_.addPolicy(rec);
    Log::info("policy '" + rec.name + "' version " + std::to_string(version) + " pushed to group '" + rec.group +
              "' by " + user.name);
    return AdminHttp::reply(req, http::status::created,
                     json::object{{"version", version}, {"group", rec.group}, {"name", rec.name}});
}

HttpResponse AdminApi::resolveTampering(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::operates(user), user, "resolve a tampering suspicion", "改ざんの疑いの解除",
                       "ciso and security_admin", "CISO・情報セキュリティ管理者");
    const json::object o = AdminHttp::body(req, "{\"terminal\": ..., \"note\": ...}");
    const std::string id = AdminHttp::text(o, "terminal", "", true);
    const std::string note = AdminHttp::text(o, "note", "", true);
    if (note.empty())
        throw UserError::invalid("say what was found (note): it is kept with the resolution",
                                 "調査結果（note）を記入してください。解除の記録として保存されます");
    scope_.requireTerminal(id, user);
    const auto [since, detail] = store_.resolveTampering(id);
    if (since == 0)
        throw UserError::conflict("terminal " + id + " is not suspected of tampering",
                                  "端末 " + id + " に改ざんの疑いはありません");
    // The access log is the audit trail of who looked at and decided on a terminal's evidence.
    store_.recordAccess({AdminHttp::nowUnix(), user.name, user.role, id, "resolved tampering (" + detail + "): " + note});
    Log::info("admin endpoint: " + user.name + " (" + user.role + ") resolved the tampering suspicion on " + id +
              ": " + note);
    json::object out{{"terminal", id}};
    answer_.time(out, "since", since);
    out["detail"] = detail;
    out["note"] = note;
    return AdminHttp::reply(req, http::status::ok, out);
}

HttpResponse AdminApi::setTerminalGroup(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::operates(user), user, "move a terminal to another group", "端末のグループ変更",
                       "ciso and security_admin", "CISO・情報セキュリティ管理者");
    const json::object o = AdminHttp::body(req, "{\"terminal\": ..., \"group\": ...}");
    const std::string id = AdminHttp::text(o, "terminal", "", true);
    const std::string group = AdminHttp::text(o, "group", "", true);
    if (group.empty()) throw UserError::invalid("the group must not be empty", "グループ名が空です");
    const TerminalRecord before = scope_.requireTerminal(id, user);
    if (before.group == group)
        return AdminHttp::reply(req, http::status::ok,
                         json::object{{"terminal", id}, {"group", group}, {"previous_group", before.group}});
    const uint64_t version = store_.setTerminalGroup(id, group);
    Log::info("terminal " + id + " moved from group '" + before.group + "' to '" + group + "' by " + user.name +
              "; its policy is re-issued as version " + std::to_string(version));
    return AdminHttp::reply(req, http::status::ok,
                     json::object{{"terminal", id}, {"group", group}, {"previous_group", before.group},
                                  {"reissued_version", version}});
}

HttpResponse AdminApi::policyStatus(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read", "閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const std::string section = q.text("section");
    scope_.requireSection(section, user);
    PolicyResolver resolver(store_);
    const int64_t now = AdminHttp::nowUnix();
    json::array out;
    for (const auto& t : store_.terminals()) {
        if (!AdminRole::inSections(user, t.group) || (!section.empty() && t.group != section)) continue;
        const auto delivery = resolver.forTerminal(t, now);
        const PolicyRecord* latest = delivery ? &delivery->policy : nullptr;
        const uint64_t latest_version = delivery ? delivery->version : 0;
        json::object row{{"terminal", t.id},
                         {"group", t.group},
                         {"applied_version", t.applied_policy_version},
                         {"latest_version", latest_version},
                         {"policy_group", latest ? latest->group : ""},
                         {"policy_name", latest ? latest->name : ""},
                         {"exceptions", delivery ? delivery->exceptions.size() : 0},
                         {"media", delivery ? delivery->media.size() : 0},
                         {"behind", t.applied_policy_version < latest_version}};
        answer_.time(row, "last_seen", t.last_seen_unix);
        out.push_back(std::move(row));
    }
    return AdminHttp::reply(req, http::status::ok, answer_.listing(std::move(out)));
}

HttpResponse AdminApi::policyInForce(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read", "閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const std::string group = q.text("group").empty() ? PolicyResolver::kDefaultGroup : q.text("group");
    if (!KnownSections::isEveryone(group)) scope_.requireSection(group, user);
    json::object out = answer_.envelope();
    out["group"] = group;
    const auto record = PolicyResolver(store_).forGroup(group);
    mamori::v1::Policy policy;
    if (!record || !policy.ParseFromString(record->policy)) {
        // No profile of its own and none for everyone: the terminals run the built-in default.
        out["version"] = 0;
        out["summary"] = "";
        return AdminHttp::reply(req, http::status::ok, out);
    }
    out["version"] = record->version;
    out["policy_group"] = record->group;
    out["name"] = record->name;
    answer_.time(out, "created", record->created_unix);
    out["created_by"] = record->created_by;
    out["summary"] = mamori::policy::PolicySummary::describe(policy);
    return AdminHttp::reply(req, http::status::ok, out);
}

HttpResponse AdminApi::accessLog(const HttpRequest& req, const AdminUser& user) {
    // Section managers answer for their sections' terminals, not for what other readers did.
    AdminRole::require(AdminRole::readsAccessLog(user), user, "read the access log", "アクセス記録の閲覧",
                       "ciso, security_admin and auditors", "CISO・情報セキュリティ管理者・監査担当");
    const AdminQuery q(req.target());
    const int64_t since = q.since(calendar_, kMaxUnixSeconds);
    const auto limit = static_cast<uint32_t>(q.integer("limit", 1, 100000, 1000));
    // Reading who read is itself a read, recorded before it happens.
    store_.recordAccess({AdminHttp::nowUnix(), user.name, user.role, "", "access log"});
    json::array out;
    for (const auto& a : store_.accessLog(since, limit)) {
        json::object row;
        answer_.time(row, "at", a.at_unix);
        row["user"] = a.user;
        row["role"] = a.role;
        row["terminal"] = a.terminal_id;
        row["action"] = a.action;
        out.push_back(std::move(row));
    }
    return AdminHttp::reply(req, http::status::ok, answer_.listing(std::move(out)));
}

}  // namespace mamori::collector
