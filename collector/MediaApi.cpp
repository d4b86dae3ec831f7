#include "collector/MediaApi.h"

#include <boost/json.hpp>
#include <cstdio>
#include <set>

#include "collector/AdminAnswer.h"
#include "collector/AdminHttp.h"
#include "collector/AdminQuery.h"
#include "collector/AdminRole.h"
#include "collector/MediaRequest.h"
#include "collector/PolicyResolver.h"
#include "mamori/common/Log.h"
#include "mamori/common/UserError.h"
#include "mamori/policy/UsbDeviceId.h"
#include "mamori/v1/event.pb.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

namespace json = boost::json;
using common::UserError;

namespace {

const char* accessName(mamori::v1::UsbAction a) {
    return a == mamori::v1::ALLOW ? "read-write" : a == mamori::v1::ALLOW_READONLY ? "read-only" : "blocked";
}

UserError noEntry(const std::string& id) {
    return UserError::notFound("no media ledger entry " + id + " (see mamorictl media list)",
                               "媒体管理台帳に " + id + " はありません（mamorictl media list で確認できます）");
}

}  // namespace

std::optional<HttpResponse> MediaApi::handle(const HttpRequest& req, const std::string& path, const AdminUser& user) {
    const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
    if (post && path == "/admin/v1/media") return registerMedium(req, user);
    if (post && path == "/admin/v1/media/approve") return approve(req, user);
    if (post && path == "/admin/v1/media/retire") return retire(req, user);
    if (post && path == "/admin/v1/media/withdraw") return withdraw(req, user);
    if (get && path == "/admin/v1/media") return list(req, user);
    if (get && path == "/admin/v1/media/history") return history(req, user);
    return std::nullopt;
}

void MediaApi::recordRead(const AdminUser& user, const std::string& what) {
    store_.recordAccess({AdminHttp::nowUnix(), user.name, user.role, "", what});
}

MediaRecord MediaApi::requireEntry(const std::string& id, const AdminUser& user) {
    auto rec = store_.media(id);
    if (!rec) throw noEntry(id);
    if (!AdminRole::inSections(user, rec->owner_section))
        throw UserError::forbidden("media ledger entry " + id + " belongs to a section outside yours",
                                   "媒体管理台帳の " + id + " は所管外の所属のものです");
    return std::move(*rec);
}

void MediaApi::takeDevice(const std::string& event, const AdminUser& user, MediaRecord& rec, std::string& section) {
    const auto colon = event.rfind(':');
    const std::string seq_text = colon == std::string::npos ? "" : event.substr(colon + 1);
    if (colon == std::string::npos || colon == 0 || seq_text.empty() || seq_text.size() > 19 ||
        seq_text.find_first_not_of("0123456789") != std::string::npos || std::stoull(seq_text) == 0)
        throw UserError::invalid("--from-event takes TERMINAL:SEQ as mamorictl events shows them, e.g. pc-0123:42, not '" +
                                     event + "'",
                                 "--from-event には mamorictl events の表示どおり 端末:番号（例 pc-0123:42）を指定してください（'" +
                                     event + "'）");
    const TerminalRecord terminal = scope_.requireTerminal(event.substr(0, colon), user);
    if (!AdminRole::inSections(user, terminal.group)) {
        store_.recordAccess({AdminHttp::nowUnix(), user.name, user.role, terminal.id, "event " + seq_text + " (refused)"});
        throw UserError::forbidden("terminal " + terminal.id + " is outside your sections", "端末 " + terminal.id + " は所管外です");
    }
    const uint64_t seq = std::stoull(seq_text);
    // An event is evidence: reading it to register a stick is a read like any other.
    store_.recordAccess({AdminHttp::nowUnix(), user.name, user.role, terminal.id, "event " + seq_text + " for the media ledger"});
    const auto events = store_.events(terminal.id, 0, seq - 1, 1);
    if (events.empty() || events.front().seq != seq)
        throw UserError::notFound("terminal " + terminal.id + " has no event " + seq_text + " (see mamorictl events --terminal " +
                                      terminal.id + ")",
                                  "端末 " + terminal.id + " にイベント " + seq_text + " はありません（mamorictl events --terminal " +
                                      terminal.id + " で確認できます）");
    mamori::v1::EventBody body;
    if (!body.ParseFromString(events.front().body)) throw std::runtime_error("stored event " + event + " is unreadable");
    if (!body.has_usb())
        throw UserError::invalid(
            "event " + event + " is " + mamori::v1::EventType_Name(body.type()) +
                ", not a USB device event; give the event of the refused stick (USB_BLOCKED in mamorictl events --terminal " +
                terminal.id + ")",
            "イベント " + event + " は " + mamori::v1::EventType_Name(body.type()) +
                " で、USB 機器のイベントではありません。拒否された媒体のイベント（mamorictl events --terminal " + terminal.id +
                " の USB_BLOCKED）を指定してください");
    const auto& usb = body.usb();
    char head[16];
    std::snprintf(head, sizeof head, "%04x:%04x", usb.vendor_id() & 0xffff, usb.product_id() & 0xffff);
    // A stick without a serial is registered as VID:PID, which matches only sticks without one.
    const auto id = mamori::policy::UsbDeviceId::parse(std::string(head) + (usb.serial().empty() ? "" : ":" + usb.serial()));
    if (!id) throw UserError::invalid(id.why, id.why_ja);
    rec.device = id.id->str();
    rec.source_event = terminal.id + ":" + seq_text;
    if (rec.description.empty()) {
        rec.description = usb.manufacturer();
        if (!usb.product().empty()) rec.description += (rec.description.empty() ? "" : " ") + usb.product();
    }
    if (section.empty()) section = terminal.group;
}

std::set<std::string> MediaApi::groupsOf(const MediaRecord& rec) {
    std::set<std::string> groups;
    if (rec.terminals.empty()) groups.insert(rec.owner_section);
    for (const auto& t : rec.terminals)
        if (auto terminal = store_.terminal(t)) groups.insert(terminal->group);
    return groups;
}

void MediaApi::requireAgreesWithLedger(const mamori::v1::Policy& profile, const std::string& group) {
    if (profile.usb().devices().empty()) return;
    const int64_t now = AdminHttp::nowUnix();
    const bool everyone = group == PolicyResolver::kDefaultGroup;
    for (const auto& rec : store_.mediaLedger()) {
        if (MediaRequest::stateAt(rec, now) != "active") continue;
        const mamori::v1::UsbDevice ledger = PolicyResolver::registeredDevice(rec);
        const int index = PolicyResolver::sameStick(profile.usb(), ledger);
        if (index < 0 || profile.usb().devices(index).action() == ledger.action()) continue;
        for (const auto& reached : groupsOf(rec)) {
            if (reached != group && !(everyone && !store_.latestPolicy(reached))) continue;
            const mamori::v1::UsbDevice& listed = profile.usb().devices(index);
            throw UserError::conflict(
                "the profile lists " + rec.device + " as " + accessName(listed.action()) + " (" + listed.id() +
                    "), but media ledger entry " + rec.id + " gives it to section " + reached + " " +
                    accessName(ledger.action()) + "; a stick has one access: list it " + accessName(ledger.action()) +
                    " in the profile, or retire the entry (mamorictl media retire " + rec.id + ")",
                "このポリシーは " + rec.device + " を " + accessName(listed.action()) + "（" + listed.id() +
                    "）としていますが、媒体管理台帳の " + rec.id + " は所属 " + reached + " に " +
                    accessName(ledger.action()) + " で登録しています。媒体のアクセスは 1 つです。ポリシーを " +
                    accessName(ledger.action()) + " にするか、台帳の登録を廃止してください（mamorictl media retire " +
                    rec.id + "）");
        }
    }
}

void MediaApi::requireNoProfileConflict(const MediaRecord& rec) {
    const std::set<std::string> groups = groupsOf(rec);
    const mamori::v1::UsbDevice ledger = PolicyResolver::registeredDevice(rec);
    PolicyResolver resolver(store_);
    for (const auto& group : groups) {
        mamori::v1::Policy policy;
        const auto record = resolver.forGroup(group);
        if (!record || !policy.ParseFromString(record->policy)) continue;
        const int index = PolicyResolver::sameStick(policy.usb(), ledger);
        if (index < 0 || policy.usb().devices(index).action() == ledger.action()) continue;
        const mamori::v1::UsbDevice* listed = &policy.usb().devices(index);
        throw UserError::conflict(
            "the profile '" + policy.name() + "' that section " + group + " follows already lists " + rec.device + " as " +
                accessName(listed->action()) + " (" + listed->id() + "); a stick has one access: register it " +
                accessName(listed->action()) + " or change the profile",
            "所属 " + group + " のポリシー「" + policy.name() + "」は " + rec.device + " を既に " +
                accessName(listed->action()) + "（" + listed->id() + "）として登録しています。媒体のアクセスは 1 つです。" +
                accessName(listed->action()) + " で登録するか、ポリシーを変更してください");
    }
}

HttpResponse MediaApi::registerMedium(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::requests(user), user, "register media", "媒体の登録申請",
                       "ciso, security_admin and section managers", "CISO・情報セキュリティ管理者・所属長");
    const json::object o = AdminHttp::body(
        req, "{\"device\" or \"from_event\", \"section\", \"purpose\", \"access\", \"encrypted\", \"until\", ...}");
    const int64_t now = AdminHttp::nowUnix();
    MediaRecord rec = MediaRequest::fromJson(o, user.name, calendar_, now);
    const std::string from_event = AdminHttp::text(o, "from_event");
    if (from_event.empty() == rec.device.empty())
        throw UserError::invalid("name the stick by --device VID:PID[:SERIAL] or by --from-event TERMINAL:SEQ, one of the two",
                                 "媒体は --device VID:PID[:SERIAL] か --from-event 端末:番号 のどちらか一方で指定してください");
    std::string section = AdminHttp::text(o, "section");
    if (!from_event.empty()) takeDevice(from_event, user, rec, section);
    if (section.empty())
        throw UserError::invalid("name the section that keeps the stick (--section)",
                                 "媒体を管理する所属（--section）を指定してください");
    scope_.requireSection(section, user);
    rec.owner_section = section;
    if (const json::value* terminals = o.if_contains("terminals"); terminals && !terminals->is_null()) {
        if (!terminals->is_array())
            throw UserError::invalid("terminals must be a list of terminal ids", "terminals は端末 ID の並びで指定してください");
        std::set<std::string> seen;
        for (const auto& t : terminals->as_array()) {
            if (!t.is_string()) throw UserError::invalid("terminals must be a list of terminal ids", "terminals は端末 ID の並びで指定してください");
            const TerminalRecord terminal = scope_.requireTerminal(std::string(t.as_string()), user);
            if (!AdminRole::inSections(user, terminal.group))
                throw UserError::forbidden("terminal " + terminal.id + " is outside your sections", "端末 " + terminal.id + " は所管外です");
            if (seen.insert(terminal.id).second) rec.terminals.push_back(terminal.id);
        }
    }
    requireNoProfileConflict(rec);
    rec = store_.addMedia(rec, MediaRequest::numberPrefix(calendar_, now),
                          {"", now, user.name, user.role, "requested", rec.purpose});
    Log::info("media " + rec.id + " (" + rec.device + ", " + rec.access + ") for section " + rec.owner_section + " until " +
              rec.until + " registered by " + user.name + "; it applies once another account approves it");
    return AdminHttp::reply(req, http::status::created, MediaRequest::toJson(rec, calendar_, now));
}

HttpResponse MediaApi::approve(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::approves(user), user, "approve media registrations and retirements", "媒体の登録・廃棄の承認",
                       "the CISO and those the CISO granted 'approve'", "CISO および CISO が承認権限を与えた利用者");
    const json::object o = AdminHttp::body(req, "{\"id\": ..., \"note\": ...}");
    const MediaRecord rec = requireEntry(AdminHttp::text(o, "id", "", true), user);
    const int64_t now = AdminHttp::nowUnix();
    MediaRecord next = rec;
    std::string requester, action;
    if (rec.state == "requested") {
        requester = rec.requested_by;
        if (rec.expires_unix <= now)
            throw UserError::conflict("media " + rec.id + " would already have expired; withdraw it and register it again",
                                      "媒体 " + rec.id + " は既に有効期限を過ぎています。取り下げて登録し直してください");
        next.state = "active";
        next.approved_by = user.name;
        next.approved_unix = now;
        action = "approved";
    } else if (rec.state == "retiring") {
        requester = rec.retire_requested_by;
        next.state = "retired";
        next.ended_by = user.name;
        next.ended_unix = now;
        action = "retired";
    } else {
        throw UserError::conflict("media " + rec.id + " is " + MediaRequest::stateAt(rec, now) +
                                      ": only a registration or a retirement that was requested awaits approval",
                                  "媒体 " + rec.id + " は " + MediaRequest::stateAt(rec, now) +
                                      " です。承認できるのは申請中の登録または廃棄だけです");
    }
    // Separation of duties (004:289): whoever asked cannot be the one who allows.
    if (requester == user.name)
        throw UserError::forbidden("media " + rec.id + ": the " + (action == "approved" ? "registration" : "retirement") +
                                       " was requested by " + user.name + "; another account must approve it",
                                   "媒体 " + rec.id + " の" + (action == "approved" ? "登録" : "廃棄") + "は " + user.name +
                                       " が申請したものです。別の利用者が承認してください");
    if (action == "approved") requireNoProfileConflict(rec);
    const MediaRecord done = store_.changeMedia(next, rec.state, {rec.id, now, user.name, user.role, action, AdminHttp::text(o, "note")});
    Log::info("media " + rec.id + " " + action + " by " + user.name + " (" + user.role + "); the terminals concerned take " +
              "policy version " + std::to_string(done.version) + " at their next sync");
    return AdminHttp::reply(req, http::status::ok, MediaRequest::toJson(done, calendar_, now));
}

HttpResponse MediaApi::retire(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::requests(user), user, "retire media", "媒体の廃棄申請",
                       "ciso, security_admin and section managers", "CISO・情報セキュリティ管理者・所属長");
    const json::object o = AdminHttp::body(req, "{\"id\", \"erased_by\", \"method\", \"reason\"}");
    const MediaRecord rec = requireEntry(AdminHttp::text(o, "id", "", true), user);
    const int64_t now = AdminHttp::nowUnix();
    if (rec.state == "requested")
        throw UserError::conflict("media " + rec.id + " was never approved; withdraw the request instead (mamorictl media withdraw " +
                                      rec.id + ")",
                                  "媒体 " + rec.id + " は承認されていません。廃棄ではなく申請の取り下げ（mamorictl media withdraw " +
                                      rec.id + "）を行ってください");
    if (rec.state != "active")
        throw UserError::conflict("media " + rec.id + " is already " + rec.state, "媒体 " + rec.id + " は既に " + rec.state + " です");
    // An expired stick still exists until someone erases it: it is retired like any other.
    const MediaRecord next = MediaRequest::retirement(rec, o, user.name, now);
    const MediaRecord done = store_.changeMedia(
        next, "active",
        {rec.id, now, user.name, user.role, "retirement requested",
         next.erase_method + " by " + next.erased_by + ": " + next.retire_reason});
    Log::info("media " + rec.id + " retirement requested by " + user.name + " (" + next.erase_method + " by " + next.erased_by +
              "); terminals stop accepting it at their next sync, and another account approves the disposal record");
    return AdminHttp::reply(req, http::status::ok, MediaRequest::toJson(done, calendar_, now));
}

HttpResponse MediaApi::withdraw(const HttpRequest& req, const AdminUser& user) {
    const json::object o = AdminHttp::body(req, "{\"id\": ..., \"reason\": ...}");
    const std::string reason = AdminHttp::text(o, "reason");
    const MediaRecord rec = requireEntry(AdminHttp::text(o, "id", "", true), user);
    // The requester withdraws their own request; those who operate or approve may turn one down.
    AdminRole::require(AdminRole::operates(user) || AdminRole::approves(user) || rec.requested_by == user.name, user,
                       "withdraw media registrations", "媒体の登録申請の取り下げ", "the requester, ciso, security_admin and approvers",
                       "申請者・CISO・情報セキュリティ管理者・承認者");
    if (reason.empty())
        throw UserError::invalid("say why the request is withdrawn (--reason): it is kept in the ledger",
                                 "取り下げの理由（--reason）を記入してください。台帳に記録されます");
    const int64_t now = AdminHttp::nowUnix();
    if (rec.state != "requested")
        throw UserError::conflict("media " + rec.id + " is " + MediaRequest::stateAt(rec, now) +
                                      "; only a registration not yet approved is withdrawn (retire an approved one)",
                                  "媒体 " + rec.id + " は " + MediaRequest::stateAt(rec, now) +
                                      " です。取り下げられるのは未承認の登録だけです（承認済みのものは廃棄してください）");
    MediaRecord next = rec;
    next.state = "withdrawn";
    next.ended_by = user.name;
    next.ended_unix = now;
    const MediaRecord done = store_.changeMedia(next, "requested", {rec.id, now, user.name, user.role, "withdrawn", reason});
    Log::info("media " + rec.id + " request withdrawn by " + user.name + ": " + reason);
    return AdminHttp::reply(req, http::status::ok, MediaRequest::toJson(done, calendar_, now));
}

HttpResponse MediaApi::list(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read the media ledger", "媒体管理台帳の閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const std::string state = q.text("state");
    static const std::set<std::string> states{"requested", "active", "expired", "retiring", "retired", "withdrawn"};
    if (!state.empty() && !states.contains(state))
        throw UserError::invalid("state must be requested, active, expired, retiring, retired or withdrawn, not '" + state + "'",
                                 "state は requested・active・expired・retiring・retired・withdrawn のいずれかです（'" + state + "'）");
    const std::string section = q.text("section");
    scope_.requireSection(section, user);
    // Recorded once the request is known to be valid, before anything is read.
    recordRead(user, "media ledger" + (section.empty() ? "" : " of " + section));
    const int64_t now = AdminHttp::nowUnix();
    json::array out;
    for (const auto& m : store_.mediaLedger()) {
        if (!AdminRole::inSections(user, m.owner_section) || (!section.empty() && m.owner_section != section)) continue;
        if (!state.empty() && MediaRequest::stateAt(m, now) != state) continue;
        out.push_back(MediaRequest::toJson(m, calendar_, now));
    }
    return AdminHttp::reply(req, http::status::ok, AdminAnswer(calendar_).listing(std::move(out)));
}

HttpResponse MediaApi::history(const HttpRequest& req, const AdminUser& user) {
    AdminRole::require(AdminRole::reads(user), user, "read the media ledger", "媒体管理台帳の閲覧", "any role", "いずれかの役割");
    const AdminQuery q(req.target());
    const std::string id = q.text("id");
    if (!id.empty()) requireEntry(id, user);
    recordRead(user, "media ledger history" + (id.empty() ? "" : " of " + id));
    const AdminAnswer answer(calendar_);
    json::array out;
    for (const auto& c : store_.mediaHistory(id)) {
        if (id.empty() && !AdminRole::seesAll(user)) {
            const auto rec = store_.media(c.media_id);
            if (!rec || !AdminRole::inSections(user, rec->owner_section)) continue;
        }
        json::object row{{"id", c.media_id}};
        answer.time(row, "at", c.at_unix);
        row["actor"] = c.actor;
        row["role"] = c.role;
        row["action"] = c.action;
        row["note"] = c.note;
        out.push_back(std::move(row));
    }
    return AdminHttp::reply(req, http::status::ok, answer.listing(std::move(out)));
}

}  // namespace mamori::collector
