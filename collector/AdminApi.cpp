#include "collector/AdminApi.h"

#include <google/protobuf/util/json_util.h>

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <limits>

#include "collector/EvidenceExport.h"
#include "collector/ExceptionGrant.h"
#include "collector/MonthlyReport.h"
#include "collector/PolicyResolver.h"
#include "mamori/proto/EnrollmentToken.h"
#include "mamori/common/Log.h"
#include "mamori/common/UserError.h"
#include "mamori/proto/Sha256.h"
#include "mamori/v1/event.pb.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

namespace json = boost::json;

namespace {

int64_t nowUnix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

HttpResponse jsonReply(const HttpRequest& req, http::status status, const json::value& v) {
    return HttpsServer::reply(req, status, json::serialize(v) + "\n", "application/json");
}

HttpResponse jsonError(const HttpRequest& req, http::status status, const std::string& en, const std::string& ja) {
    return jsonReply(req, status, json::object{{"error", en}, {"error_ja", ja}});
}

// The query string of a target, decoded; values are never trusted beyond lookup keys.
std::map<std::string, std::string> queryOf(const HttpRequest& req) {
    std::map<std::string, std::string> out;
    auto url = boost::urls::parse_origin_form(req.target());
    if (!url) return out;
    for (auto p : url->params()) out[std::string(p.key)] = std::string(p.value);
    return out;
}

std::string pathOf(const HttpRequest& req) {
    std::string t(req.target());
    return t.substr(0, t.find('?'));
}

bool canRead(const AdminUser& u) { return u.role == "admin" || u.role == "ciso" || u.role == "auditor" || u.role == "officer"; }

}  // namespace

HttpResponse AdminApi::handle(const HttpRequest& req, const Caller& caller) {
    std::string auth(req[http::field::authorization]);
    std::optional<AdminUser> user;
    if (auth.rfind("Bearer ", 0) == 0)
        user = store_.adminByTokenHash(mamori::proto::Sha256::hex(mamori::proto::Sha256::of(auth.substr(7))));
    if (!user) {
        Log::warn("admin endpoint: " + caller.address + " " + std::string(req.target()) + " refused: no valid token");
        return jsonError(req, http::status::unauthorized, "a valid bearer token is required",
                         "有効なアクセストークンが必要です");
    }
    const std::string path = pathOf(req);
    const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
    try {
        if (post && path == "/admin/v1/enroll-tokens") return createToken(req, *user);
        if (get && path == "/admin/v1/terminals") return listTerminals(req, *user);
        if (get && path == "/admin/v1/violations") return violations(req, *user);
        if (get && path == "/admin/v1/events") return events(req, *user);
        if (get && path == "/admin/v1/export") return exportEvidence(req, *user);
        if (get && path == "/admin/v1/report/monthly") return monthlyReport(req, *user);
        if (post && path == "/admin/v1/policies") return pushPolicy(req, *user);
        if (post && path == "/admin/v1/terminals/group") return setTerminalGroup(req, *user);
        if (get && path == "/admin/v1/policy-status") return policyStatus(req, *user);
        if (post && path == "/admin/v1/exceptions") return grantException(req, *user);
        if (get && path == "/admin/v1/exceptions") return listExceptions(req, *user);
        if (post && path == "/admin/v1/users") return addUser(req, *user);
        if (get && path == "/admin/v1/access-log") return accessLog(req, *user);
    } catch (const std::invalid_argument& e) {
        return jsonError(req, http::status::bad_request, e.what(), "リクエストの内容が正しくありません");
    } catch (const common::UserError& e) {
        return jsonError(req, static_cast<http::status>(e.httpStatus()), e.english(), e.japanese());
    }
    return jsonError(req, http::status::not_found, "no such endpoint: " + path, "そのような操作はありません");
}

HttpResponse AdminApi::createToken(const HttpRequest& req, const AdminUser& user) {
    if (user.role != "admin") {
        Log::warn("admin endpoint: " + user.name + " (" + user.role + ") may not create enrollment tokens");
        return jsonError(req, http::status::forbidden, "only an admin may create enrollment tokens",
                         "登録トークンの発行は管理者のみ可能です");
    }
    json::value body;
    boost::system::error_code ec;
    body = json::parse(req.body().empty() ? "{}" : req.body(), ec);
    if (ec || !body.is_object()) throw std::invalid_argument("the body must be a JSON object");
    const auto& o = body.as_object();
    std::string group = o.contains("group") ? json::value_to<std::string>(o.at("group")) : "default";
    int64_t hours = o.contains("valid_hours") ? o.at("valid_hours").to_number<int64_t>() : 24;
    if (hours < 1 || hours > 24 * 90) throw std::invalid_argument("valid_hours must be 1..2160");
    auto token = mamori::proto::EnrollmentToken::generate(settings_.ca_fingerprint);
    store_.addEnrollToken(EnrollToken{token.secretHash(), group, nowUnix() + hours * 3600, user.name});
    Log::info("enrollment token for group '" + group + "' created by " + user.name);
    return jsonReply(req, http::status::created,
                     json::object{{"token", token.str()}, {"group", group}, {"expires_unix", nowUnix() + hours * 3600}});
}

HttpResponse AdminApi::listTerminals(const HttpRequest& req, const AdminUser& user) {
    if (!canRead(user)) return jsonError(req, http::status::forbidden, "not allowed", "権限がありません");
    json::array out;
    int64_t now = nowUnix();
    for (const auto& t : store_.terminals()) {
        if (user.role == "officer" && std::find(user.sections.begin(), user.sections.end(), t.group) == user.sections.end())
            continue;
        int64_t seen = std::max(t.last_seen_unix, t.enrolled_unix);
        out.push_back(json::object{{"id", t.id},
                                   {"hostname", t.hostname},
                                   {"group", t.group},
                                   {"enrolled_unix", t.enrolled_unix},
                                   {"last_seen_unix", t.last_seen_unix},
                                   {"head_seq", t.head_seq},
                                   {"policy_version", t.applied_policy_version},
                                   {"clock_skew_ms", t.clock_skew_ms},
                                   {"reporting", now - seen <= settings_.heartbeat_deadline_s}});
    }
    return jsonReply(req, http::status::ok, out);
}

HttpResponse AdminApi::violations(const HttpRequest& req, const AdminUser& user) {
    if (!canRead(user)) return jsonError(req, http::status::forbidden, "not allowed", "権限がありません");
    auto q = queryOf(req);
    int64_t now = nowUnix();
    std::string date = q.contains("date") && q["date"] != "today" ? q["date"] : calendar_.dateOfUnix(now);
    if (date.size() != 10 || date[4] != '-' || date[7] != '-')
        throw std::invalid_argument("date must be YYYY-MM-DD or 'today'");
    auto rows = compliance_.violations(date, now, q["section"], q["control"],
                                       user.role == "officer" ? user.sections : std::vector<std::string>{});
    json::array out;
    for (const auto& r : rows)
        out.push_back(json::object{{"terminal", r.terminal},
                                   {"section", r.group},
                                   {"control", r.control},
                                   {"status", r.status},
                                   {"violations", r.violations},
                                   {"exempted", r.exempted},
                                   {"events", r.events},
                                   {"last_seen_unix", r.last_seen_unix}});
    return jsonReply(req, http::status::ok,
                     json::object{{"date", date}, {"time_zone", calendar_.zoneName()}, {"rows", out}});
}

HttpResponse AdminApi::events(const HttpRequest& req, const AdminUser& user) {
    if (!canRead(user)) return jsonError(req, http::status::forbidden, "not allowed", "権限がありません");
    auto q = queryOf(req);
    auto terminal = store_.terminal(q["terminal"]);
    if (!terminal)
        return jsonError(req, http::status::not_found, "no terminal '" + q["terminal"] + "'", "その端末は登録されていません");
    if (auto refused = refuseOutsideSections(req, user, *terminal, "events")) return std::move(*refused);
    int64_t since_ns = q.contains("since_unix") ? std::stoll(q["since_unix"]) * 1'000'000'000 : 0;
    uint64_t after = q.contains("after_seq") ? std::stoull(q["after_seq"]) : 0;
    uint32_t limit = q.contains("limit") ? static_cast<uint32_t>(std::min(10000ULL, std::stoull(q["limit"]))) : 1000;
    Log::info("admin endpoint: " + user.name + " (" + user.role + ") read the events of " + terminal->id);
    // Recorded before the read: evidence nobody can show was read unrecorded is never served.
    store_.recordAccess({nowUnix(), user.name, user.role, terminal->id, "events"});
    json::array out;
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    for (const auto& e : store_.events(terminal->id, since_ns, after, limit)) {
        mamori::v1::EventBody body;
        body.ParseFromString(e.body);
        std::string text;
        (void)google::protobuf::util::MessageToJsonString(body, &text, opts);
        out.push_back(json::object{{"seq", e.seq},
                                   {"utc_ns", e.utc_ns},
                                   {"local_date", calendar_.dateOfNs(e.utc_ns)},
                                   {"hash", mamori::proto::Sha256::hex(e.hash)},
                                   {"body", json::parse(text)}});
    }
    return jsonReply(req, http::status::ok, out);
}

std::optional<HttpResponse> AdminApi::refuseOutsideSections(const HttpRequest& req, const AdminUser& user,
                                                            const TerminalRecord& terminal, const std::string& action) {
    if (user.role != "officer" ||
        std::find(user.sections.begin(), user.sections.end(), terminal.group) != user.sections.end())
        return std::nullopt;
    Log::warn("admin endpoint: officer " + user.name + " refused " + action + " of " + terminal.id);
    store_.recordAccess({nowUnix(), user.name, user.role, terminal.id, action + " (refused)"});
    return jsonError(req, http::status::forbidden, "terminal outside your sections", "所管外の端末です");
}

HttpResponse AdminApi::exportEvidence(const HttpRequest& req, const AdminUser& user) {
    if (!canRead(user)) return jsonError(req, http::status::forbidden, "not allowed", "権限がありません");
    auto q = queryOf(req);
    auto terminal = store_.terminal(q["terminal"]);
    if (!terminal)
        return jsonError(req, http::status::not_found, "no terminal '" + q["terminal"] + "'", "その端末は登録されていません");
    if (auto refused = refuseOutsideSections(req, user, *terminal, "export")) return std::move(*refused);
    const int64_t now = nowUnix();
    // Recorded before the read, as for events.
    store_.recordAccess({now, user.name, user.role, terminal->id, "export " + q["from"] + " to " + q["to"]});
    const auto bundle = EvidenceExport(store_, calendar_).build(terminal->id, q["from"], q["to"], settings_.ca_pem,
                                                                user.name, now);
    Log::info("admin endpoint: " + user.name + " (" + user.role + ") exported " + std::to_string(bundle.events_size()) +
              " events of " + terminal->id + " dated " + q["from"] + " to " + q["to"]);
    return HttpsServer::reply(req, http::status::ok, bundle.SerializeAsString(), "application/x-protobuf");
}

HttpResponse AdminApi::monthlyReport(const HttpRequest& req, const AdminUser& user) {
    if (!canRead(user)) return jsonError(req, http::status::forbidden, "not allowed", "権限がありません");
    auto q = queryOf(req);
    const auto report = MonthlyReport(store_, calendar_)
                            .build(q["month"], nowUnix(), q["section"],
                                   user.role == "officer" ? user.sections : std::vector<std::string>{});
    return jsonReply(req, http::status::ok, MonthlyReport::toJson(report, calendar_.zoneName()));
}

HttpResponse AdminApi::pushPolicy(const HttpRequest& req, const AdminUser& user) {
    if (user.role != "admin")
        return jsonError(req, http::status::forbidden, "only an admin may push policy", "ポリシーの配布は管理者のみ可能です");
    boost::system::error_code ec;
    json::value body = json::parse(req.body(), ec);
    if (ec || !body.is_object() || !body.as_object().contains("policy_base64"))
        throw std::invalid_argument("expected {\"policy_base64\": ..., \"group\": ...}");
    const auto& o = body.as_object();
    // mamorictl validated the YAML where its relative files are (file:line errors there); what
    // arrives is the resulting protobuf, checked again for readability here.
    std::string b64 = json::value_to<std::string>(o.at("policy_base64"));
    std::string raw(boost::beast::detail::base64::decoded_size(b64.size()), '\0');
    auto [n, _] = boost::beast::detail::base64::decode(raw.data(), b64.data(), b64.size());
    raw.resize(n);
    mamori::v1::Policy policy;
    if (!policy.ParseFromString(raw)) throw std::invalid_argument("policy_base64 is not a policy");
    PolicyRecord rec;
    rec.group = o.contains("group") ? json::value_to<std::string>(o.at("group")) : "all";
    rec.name = policy.name();
    rec.policy = raw;
    rec.created_unix = nowUnix();
    rec.created_by = user.name;
    uint64_t version = store_.addPolicy(rec);
    Log::info("policy '" + rec.name + "' version " + std::to_string(version) + " pushed to group '" + rec.group +
              "' by " + user.name);
    return jsonReply(req, http::status::created,
                     json::object{{"version", version}, {"group", rec.group}, {"name", rec.name}});
}

HttpResponse AdminApi::setTerminalGroup(const HttpRequest& req, const AdminUser& user) {
    if (user.role != "admin")
        return jsonError(req, http::status::forbidden, "only an admin may move a terminal to another group",
                         "端末のグループ変更は管理者のみ可能です");
    boost::system::error_code ec;
    json::value body = json::parse(req.body(), ec);
    if (ec || !body.is_object() || !body.as_object().contains("terminal") || !body.as_object().contains("group"))
        throw std::invalid_argument("expected {\"terminal\": ..., \"group\": ...}");
    const std::string id = json::value_to<std::string>(body.at("terminal"));
    const std::string group = json::value_to<std::string>(body.at("group"));
    if (group.empty()) throw std::invalid_argument("the group must not be empty");
    const auto before = store_.terminal(id);
    if (!before)
        return jsonError(req, http::status::not_found, "no terminal '" + id + "'", "その端末は登録されていません");
    if (before->group == group)
        return jsonReply(req, http::status::ok,
                         json::object{{"terminal", id}, {"group", group}, {"previous_group", before->group}});
    const uint64_t version = store_.setTerminalGroup(id, group);
    Log::info("terminal " + id + " moved from group '" + before->group + "' to '" + group + "' by " + user.name +
              "; its policy is re-issued as version " + std::to_string(version));
    return jsonReply(req, http::status::ok,
                     json::object{{"terminal", id}, {"group", group}, {"previous_group", before->group},
                                  {"reissued_version", version}});
}

HttpResponse AdminApi::policyStatus(const HttpRequest& req, const AdminUser& user) {
    if (!canRead(user)) return jsonError(req, http::status::forbidden, "not allowed", "権限がありません");
    PolicyResolver resolver(store_);
    const int64_t now = nowUnix();
    json::array out;
    for (const auto& t : store_.terminals()) {
        if (user.role == "officer" && std::find(user.sections.begin(), user.sections.end(), t.group) == user.sections.end())
            continue;
        const auto delivery = resolver.forTerminal(t, now);
        const PolicyRecord* latest = delivery ? &delivery->policy : nullptr;
        const uint64_t latest_version = delivery ? delivery->version : 0;
        out.push_back(json::object{{"terminal", t.id},
                                   {"group", t.group},
                                   {"applied_version", t.applied_policy_version},
                                   {"latest_version", latest_version},
                                   {"policy_group", latest ? latest->group : ""},
                                   {"policy_name", latest ? latest->name : ""},
                                   {"exceptions", delivery ? delivery->exceptions.size() : 0},
                                   {"behind", t.applied_policy_version < latest_version},
                                   {"last_seen_unix", t.last_seen_unix}});
    }
    return jsonReply(req, http::status::ok, out);
}

HttpResponse AdminApi::grantException(const HttpRequest& req, const AdminUser& user) {
    if (user.role != "admin")
        return jsonError(req, http::status::forbidden, "only an admin may grant exceptions",
                         "例外措置の登録は管理者のみ可能です");
    boost::system::error_code ec;
    json::value body = json::parse(req.body(), ec);
    if (ec || !body.is_object()) throw std::invalid_argument("the body must be a JSON object");
    ExceptionRecord rec = ExceptionGrant::fromJson(body.as_object(), calendar_, nowUnix());
    if (!rec.terminal.empty() && !store_.terminal(rec.terminal))
        return jsonError(req, http::status::not_found, "no terminal '" + rec.terminal + "'", "その端末は登録されていません");
    rec.version = store_.addException(rec);
    json::object out = ExceptionGrant::toJson(rec, calendar_);
    Log::info("exception " + rec.id + " (" + json::value_to<std::string>(out.at("control")) + ") for " +
              (rec.terminal.empty() ? "group '" + rec.group + "'" : "terminal " + rec.terminal) + " until " +
              json::value_to<std::string>(out.at("until")) + " granted by " + user.name + ", version " +
              std::to_string(rec.version));
    return jsonReply(req, http::status::created, out);
}

HttpResponse AdminApi::listExceptions(const HttpRequest& req, const AdminUser& user) {
    if (!canRead(user)) return jsonError(req, http::status::forbidden, "not allowed", "権限がありません");
    auto q = queryOf(req);
    const int64_t now = nowUnix();
    int64_t before = std::numeric_limits<int64_t>::max();
    if (q.contains("expiring_days")) {
        const int64_t days = std::stoll(q["expiring_days"]);
        if (days < 0 || days > 3660) throw std::invalid_argument("expiring_days must be 0..3660");
        before = now + days * 86400;
    }
    json::array out;
    for (const auto& r : store_.exceptions(now, before)) {
        if (user.role == "officer") {
            // An officer sees exceptions for their sections and for terminals in them.
            std::string group = r.group;
            if (group.empty()) {
                const auto t = store_.terminal(r.terminal);
                group = t ? t->group : "";
            }
            if (std::find(user.sections.begin(), user.sections.end(), group) == user.sections.end()) continue;
        }
        out.push_back(ExceptionGrant::toJson(r, calendar_));
    }
    return jsonReply(req, http::status::ok, out);
}

HttpResponse AdminApi::addUser(const HttpRequest& req, const AdminUser& user) {
    if (user.role != "admin")
        return jsonError(req, http::status::forbidden, "only an admin may add users", "利用者の追加は管理者のみ可能です");
    boost::system::error_code ec;
    json::value body = json::parse(req.body(), ec);
    if (ec || !body.is_object() || !body.as_object().contains("name") || !body.as_object().contains("role"))
        throw std::invalid_argument("expected {\"name\": ..., \"role\": ..., \"sections\": [...]}");
    AdminUser added;
    added.name = json::value_to<std::string>(body.at("name"));
    added.role = json::value_to<std::string>(body.at("role"));
    if (const auto* s = body.as_object().if_contains("sections"))
        added.sections = json::value_to<std::vector<std::string>>(*s);
    if (added.name.empty()) throw std::invalid_argument("the user needs a name");
    if (added.role != "admin" && added.role != "officer" && added.role != "ciso" && added.role != "auditor")
        throw std::invalid_argument("role must be admin, officer, ciso or auditor");
    // An officer (情報セキュリティ管理者) answers for named sections; without one they would see nothing.
    if (added.role == "officer" && added.sections.empty())
        throw std::invalid_argument("an officer needs at least one --section");
    if (added.role != "officer" && !added.sections.empty())
        throw std::invalid_argument("only officers are limited to sections; " + added.role + " sees all");
    // The same kind of secret as the first administrator's (CollectorHome); only its hash is stored.
    const std::string token = mamori::proto::EnrollmentToken::generate("").secret;
    added.token_hash = mamori::proto::Sha256::hex(mamori::proto::Sha256::of(token));
    store_.addAdminUser(added);
    Log::info("admin user " + added.name + " (" + added.role + ") added by " + user.name);
    return jsonReply(req, http::status::created,
                     json::object{{"name", added.name}, {"role", added.role}, {"token", token}});
}

HttpResponse AdminApi::accessLog(const HttpRequest& req, const AdminUser& user) {
    // Officers answer for their sections' terminals, not for what other readers did.
    if (user.role != "admin" && user.role != "ciso" && user.role != "auditor")
        return jsonError(req, http::status::forbidden, "only an admin, the CISO or an auditor may read the access log",
                         "アクセス記録の閲覧は管理者・CISO・監査担当のみ可能です");
    auto q = queryOf(req);
    const int64_t since = q.contains("since_unix") ? std::stoll(q["since_unix"]) : 0;
    const uint32_t limit =
        q.contains("limit") ? static_cast<uint32_t>(std::min(100000ULL, std::stoull(q["limit"]))) : 1000;
    json::array out;
    for (const auto& a : store_.accessLog(since, limit))
        out.push_back(json::object{{"at_unix", a.at_unix},
                                   {"user", a.user},
                                   {"role", a.role},
                                   {"terminal", a.terminal_id},
                                   {"action", a.action}});
    return jsonReply(req, http::status::ok, out);
}

}  // namespace mamori::collector
