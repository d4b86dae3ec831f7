#include "collector/ExceptionRequest.h"

#include "collector/AdminAnswer.h"
#include "collector/AdminHttp.h"

#include <openssl/rand.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <stdexcept>
#include "mamori/common/UserError.h"
#include "mamori/policy/UsbDeviceId.h"

namespace mamori::collector {
namespace json = boost::json;

namespace {

bool isHex(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string newId() {
    unsigned char raw[6];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no randomness for an exception id");
    static const char* hex = "0123456789abcdef";
    std::string id = "ex-";
    for (unsigned char b : raw) {
        id += hex[b >> 4];
        id += hex[b & 15];
    }
    return id;
}

const char* controlName(mamori::v1::Control c) {
    switch (c) {
        case mamori::v1::USB: return "usb";
        case mamori::v1::SOFTWARE: return "software";
        case mamori::v1::HOURS: return "hours";
        default: return "other";
    }
}

}  // namespace

int64_t ExceptionRequest::endOfLocalDate(const std::string& date, const LocalCalendar& calendar) {
    try {
        return calendar.startOfDateUnix(date, 1);
    } catch (const common::UserError&) {
        throw common::UserError::invalid("until must be a date, YYYY-MM-DD, not '" + date + "'",
                                         "有効期限（until）は YYYY-MM-DD の日付で指定してください（'" + date + "'）");
    }
}

void ExceptionRequest::requireWithin(int64_t expires_unix, int max_days, const LocalCalendar& calendar,
                                     int64_t now_unix) {
    const std::string latest = calendar.dateOfUnix(now_unix + int64_t{max_days} * 86400);
    if (expires_unix <= endOfLocalDate(latest, calendar)) return;
    throw common::UserError::invalid(
        "an exception may last at most " + std::to_string(max_days) + " days (the profile's max_exception_days): until " +
            latest + " at the latest",
        "例外措置の期間は最長 " + std::to_string(max_days) + " 日です（プロファイルの max_exception_days）。有効期限は " +
            latest + " 以前にしてください");
}

ExceptionRecord ExceptionRequest::fromJson(const json::object& body, const std::string& requester,
                                           const LocalCalendar& calendar, int64_t now_unix, int max_days) {
    mamori::v1::PolicyException e;
    e.set_terminal(AdminHttp::text(body, "terminal"));
    e.set_group(AdminHttp::text(body, "group"));
    if (e.terminal().empty() == e.group().empty())
        throw common::UserError::invalid("an exception applies to exactly one terminal or one group",
                                         "例外措置の対象は端末1台またはグループ1つのどちらかです");

    const std::string control = AdminHttp::text(body, "control");
    if (control == "usb") {
        const auto device = mamori::policy::UsbDeviceId::parse(AdminHttp::text(body, "device"));
        if (!device)
            throw common::UserError::invalid("a usb exception needs --device VID:PID[:SERIAL]: " + device.why,
                                             "USB の例外措置には --device VID:PID[:SERIAL] が必要です: " + device.why_ja);
        // A stick is decided when it is plugged in, whoever is at the terminal (ExceptionScope).
        if (!AdminHttp::text(body, "user").empty())
            throw common::UserError::invalid("a usb exception applies to a terminal or group, not to one user there",
                                             "USB の例外措置は端末またはグループが対象です。利用者を限定することはできません");
        const std::string access = AdminHttp::text(body, "access");
        if (!access.empty() && access != "read-only" && access != "read-write")
            throw common::UserError::invalid("access must be read-only or read-write",
                                             "access は read-only か read-write で指定してください");
        e.set_control(mamori::v1::USB);
        e.set_usb_device(device.id->str());
        // Read-only unless asked otherwise: the My Number tier forbids writing to media (002:1020).
        e.set_usb_action(access == "read-write" ? mamori::v1::ALLOW : mamori::v1::ALLOW_READONLY);
    } else if (control == "software") {
        std::string sha = AdminHttp::text(body, "sha256");
        const std::string path = AdminHttp::text(body, "path");
        std::transform(sha.begin(), sha.end(), sha.begin(), [](unsigned char c) { return std::tolower(c); });
        if (sha.empty() == path.empty())
            throw common::UserError::invalid(
                "a software exception names the program by --sha256 (64 hex digits) or by --path (absolute), one "
                "of the two",
                "ソフトウェアの例外措置では --sha256（16進64桁）か --path（絶対パス）のどちらか一方でプログラムを指定してください");
        if (!sha.empty() && (sha.size() != 64 || !isHex(sha)))
            throw common::UserError::invalid("--sha256 takes the program's SHA-256, 64 hex digits",
                                             "--sha256 にはプログラムの SHA-256（16進64桁）を指定してください");
        if (!path.empty() && (path.front() != '/' || path.find("/../") != std::string::npos ||
                              path.find('\0') != std::string::npos))
            throw common::UserError::invalid("--path takes an absolute path without '..', e.g. /opt/app/bin/app",
                                             "--path には '..' を含まない絶対パスを指定してください（例 /opt/app/bin/app）");
        e.set_control(mamori::v1::SOFTWARE);
        e.set_software_sha256(sha);
        e.set_software_path(path);
    } else if (control == "hours") {
        const auto* ext = body.if_contains("hours_extension");
        if (!ext || !ext->is_bool() || !ext->as_bool())
            throw common::UserError::invalid("an hours exception needs --hours-extension",
                                             "利用時間の例外措置には --hours-extension が必要です");
        e.set_control(mamori::v1::HOURS);
        e.set_hours_extension(true);
    } else {
        throw common::UserError::invalid("control must be usb, software or hours",
                                         "制御（control）は usb、software、hours のいずれかです");
    }

    e.set_user(AdminHttp::text(body, "user"));
    e.set_reason(AdminHttp::text(body, "reason"));
    e.set_requested_by(requester);
    if (e.reason().empty()) throw common::UserError::invalid("an exception needs a reason", "例外措置には理由が必要です");

    const std::string until = AdminHttp::text(body, "until");
    if (until.empty()) throw common::UserError::invalid("an exception needs an expiry (--until YYYY-MM-DD)",
                                                          "例外措置には有効期限（--until YYYY-MM-DD）が必要です");
    e.set_expires_unix(endOfLocalDate(until, calendar));
    if (e.expires_unix() <= now_unix) throw common::UserError::invalid("the expiry " + until + " is already past",
                                         "有効期限 " + until + " は既に過ぎています");
    requireWithin(e.expires_unix(), max_days, calendar, now_unix);

    e.set_id(newId());
    ExceptionRecord r;
    r.id = e.id();
    r.terminal = e.terminal();
    r.group = e.group();
    r.expires_unix = e.expires_unix();
    r.created_unix = now_unix;
    r.exception = e.SerializeAsString();
    r.state = "requested";
    r.requested_by = requester;
    return r;
}

std::string ExceptionRequest::stateAt(const ExceptionRecord& r, int64_t now_unix) {
    if (r.state == "active" && r.expires_unix <= now_unix) return "expired";
    return r.state;
}

json::object ExceptionRequest::toJson(const ExceptionRecord& r, const LocalCalendar& calendar, int64_t now_unix) {
    mamori::v1::PolicyException e;
    e.ParseFromString(r.exception);
    std::string detail = e.usb_device();
    if (!detail.empty()) detail += e.usb_action() == mamori::v1::ALLOW ? " read-write" : " read-only";
    if (detail.empty()) detail = e.software_sha256();
    if (detail.empty()) detail = e.software_path();
    if (detail.empty() && e.hours_extension()) detail = "hours extension";
    const AdminAnswer answer(calendar);
    json::object out{{"id", r.id},
                     {"state", stateAt(r, now_unix)},
                     {"version", r.version},
                     {"terminal", r.terminal},
                     {"group", r.group},
                     {"user", e.user()},
                     {"control", controlName(e.control())},
                     {"detail", detail},
                     {"until", calendar.dateOfUnix(r.expires_unix - 1)}};
    answer.time(out, "expires", r.expires_unix);
    out["reason"] = e.reason();
    // The accounts, as recorded; exceptions stored before accounts were recorded keep the names typed then.
    out["requested_by"] = r.requested_by.empty() ? e.requested_by() : r.requested_by;
    out["approved_by"] = r.approved_by.empty() ? e.approved_by() : r.approved_by;
    answer.time(out, "requested", r.created_unix);
    answer.time(out, "approved", e.approved_unix());
    answer.time(out, "revoked", r.ended_unix);
    return out;
}

}  // namespace mamori::collector
