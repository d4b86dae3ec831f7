#include "collector/ExceptionGrant.h"

#include "collector/AdminAnswer.h"

#include <date/date.h>
#include <date/tz.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <sstream>
#include <stdexcept>
#include "mamori/common/UserError.h"

namespace mamori::collector {
namespace json = boost::json;

namespace {

std::string field(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return {};
    if (!v->is_string()) throw common::UserError::invalid(std::string(key) + " must be a string",
                                                          std::string(key) + " は文字列で指定してください");
    return std::string(v->as_string());
}

// Names compared as people write them: "Sato", " sato " and "SATO" are one person.
std::string person(std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

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

int64_t ExceptionGrant::endOfLocalDate(const std::string& date, const LocalCalendar& calendar) {
    try {
        return calendar.startOfDateUnix(date, 1);
    } catch (const common::UserError&) {
        throw common::UserError::invalid("until must be a date, YYYY-MM-DD, not '" + date + "'",
                                         "有効期限（until）は YYYY-MM-DD の日付で指定してください（'" + date + "'）");
    }
}

ExceptionRecord ExceptionGrant::fromJson(const json::object& body, const LocalCalendar& calendar, int64_t now_unix) {
    mamori::v1::PolicyException e;
    e.set_terminal(field(body, "terminal"));
    e.set_group(field(body, "group"));
    if (e.terminal().empty() == e.group().empty())
        throw common::UserError::invalid("an exception applies to exactly one terminal or one group",
                                         "例外措置の対象は端末1台またはグループ1つのどちらかです");

    const std::string control = field(body, "control");
    if (control == "usb") {
        const std::string device = field(body, "device");
        if (std::count(device.begin(), device.end(), ':') != 2)
            throw common::UserError::invalid("a usb exception needs --device VID:PID:SERIAL",
                                             "USB の例外措置には --device VID:PID:SERIAL が必要です");
        e.set_control(mamori::v1::USB);
        e.set_usb_device(device);
        e.set_usb_action(mamori::v1::ALLOW);
    } else if (control == "software") {
        std::string sha = field(body, "software");
        std::transform(sha.begin(), sha.end(), sha.begin(), [](unsigned char c) { return std::tolower(c); });
        if (sha.size() != 64 || !isHex(sha))
            throw common::UserError::invalid(
                "a software exception needs --software with the program's SHA-256 (64 hex digits)",
                "ソフトウェアの例外措置には --software でプログラムの SHA-256（16進64桁）が必要です");
        e.set_control(mamori::v1::SOFTWARE);
        e.set_software_sha256(sha);
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

    e.set_user(field(body, "user"));
    e.set_reason(field(body, "reason"));
    e.set_requested_by(field(body, "requested_by"));
    e.set_approved_by(field(body, "approved_by"));
    if (e.reason().empty()) throw common::UserError::invalid("an exception needs a reason", "例外措置には理由が必要です");
    if (person(e.requested_by()).empty() || person(e.approved_by()).empty())
        throw common::UserError::invalid("an exception needs both --requested-by and --approved-by",
                                         "例外措置には申請者（--requested-by）と承認者（--approved-by）の両方が必要です");
    if (person(e.requested_by()) == person(e.approved_by()))
        throw common::UserError::invalid(
            "the requester may not approve their own exception (requested_by == approved_by)",
            "申請者は自分の例外措置を承認できません（申請者と承認者が同じです）");

    const std::string until = field(body, "until");
    if (until.empty()) throw common::UserError::invalid("an exception needs an expiry (--until YYYY-MM-DD)",
                                                          "例外措置には有効期限（--until YYYY-MM-DD）が必要です");
    e.set_expires_unix(endOfLocalDate(until, calendar));
    if (e.expires_unix() <= now_unix) throw common::UserError::invalid("the expiry " + until + " is already past",
                                         "有効期限 " + until + " は既に過ぎています");

    e.set_id(newId());
    ExceptionRecord r;
    r.id = e.id();
    r.terminal = e.terminal();
    r.group = e.group();
    r.expires_unix = e.expires_unix();
    r.created_unix = now_unix;
    r.exception = e.SerializeAsString();
    return r;
}

json::object ExceptionGrant::toJson(const ExceptionRecord& r, const LocalCalendar& calendar) {
    mamori::v1::PolicyException e;
    e.ParseFromString(r.exception);
    std::string detail = e.usb_device();
    if (detail.empty()) detail = e.software_sha256();
    if (detail.empty() && e.hours_extension()) detail = "hours extension";
    json::object out{{"id", r.id},
                     {"version", r.version},
                     {"terminal", r.terminal},
                     {"group", r.group},
                     {"control", controlName(e.control())},
                     {"detail", detail},
                     {"until", calendar.dateOfUnix(r.expires_unix - 1)}};
    AdminAnswer(calendar).time(out, "expires", r.expires_unix);
    out["reason"] = e.reason();
    out["requested_by"] = e.requested_by();
    out["approved_by"] = e.approved_by();
    return out;
}

}  // namespace mamori::collector
