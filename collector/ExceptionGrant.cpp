#include "collector/ExceptionGrant.h"

#include <date/date.h>
#include <date/tz.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace mamori::collector {
namespace json = boost::json;

namespace {

std::string field(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return {};
    if (!v->is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
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
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument("until must be a date, YYYY-MM-DD");
    }
}

ExceptionRecord ExceptionGrant::fromJson(const json::object& body, const LocalCalendar& calendar, int64_t now_unix) {
    mamori::v1::PolicyException e;
    e.set_terminal(field(body, "terminal"));
    e.set_group(field(body, "group"));
    if (e.terminal().empty() == e.group().empty())
        throw std::invalid_argument("an exception applies to exactly one terminal or one group");

    const std::string control = field(body, "control");
    if (control == "usb") {
        const std::string device = field(body, "device");
        if (std::count(device.begin(), device.end(), ':') != 2)
            throw std::invalid_argument("a usb exception needs --device VID:PID:SERIAL");
        e.set_control(mamori::v1::USB);
        e.set_usb_device(device);
        e.set_usb_action(mamori::v1::ALLOW);
    } else if (control == "software") {
        std::string sha = field(body, "software");
        std::transform(sha.begin(), sha.end(), sha.begin(), [](unsigned char c) { return std::tolower(c); });
        if (sha.size() != 64 || !isHex(sha))
            throw std::invalid_argument("a software exception needs --software with the program's SHA-256 (64 hex digits)");
        e.set_control(mamori::v1::SOFTWARE);
        e.set_software_sha256(sha);
    } else if (control == "hours") {
        const auto* ext = body.if_contains("hours_extension");
        if (!ext || !ext->is_bool() || !ext->as_bool())
            throw std::invalid_argument("an hours exception needs --hours-extension");
        e.set_control(mamori::v1::HOURS);
        e.set_hours_extension(true);
    } else {
        throw std::invalid_argument("control must be usb, software or hours");
    }

    e.set_user(field(body, "user"));
    e.set_reason(field(body, "reason"));
    e.set_requested_by(field(body, "requested_by"));
    e.set_approved_by(field(body, "approved_by"));
    if (e.reason().empty()) throw std::invalid_argument("an exception needs a reason");
    if (person(e.requested_by()).empty() || person(e.approved_by()).empty())
        throw std::invalid_argument("an exception needs both --requested-by and --approved-by");
    if (person(e.requested_by()) == person(e.approved_by()))
        throw std::invalid_argument("the requester may not approve their own exception (requested_by == approved_by)");

    const std::string until = field(body, "until");
    if (until.empty()) throw std::invalid_argument("an exception needs an expiry (--until YYYY-MM-DD)");
    e.set_expires_unix(endOfLocalDate(until, calendar));
    if (e.expires_unix() <= now_unix) throw std::invalid_argument("the expiry " + until + " is already past");

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
    return json::object{{"id", r.id},
                        {"version", r.version},
                        {"terminal", r.terminal},
                        {"group", r.group},
                        {"control", controlName(e.control())},
                        {"detail", detail},
                        {"until", calendar.dateOfUnix(r.expires_unix - 1)},
                        {"expires_unix", r.expires_unix},
                        {"reason", e.reason()},
                        {"requested_by", e.requested_by()},
                        {"approved_by", e.approved_by()}};
}

}  // namespace mamori::collector
