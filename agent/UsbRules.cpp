#include "agent/UsbRules.h"

#include <cstdio>
#include <ctime>

#include "mamori/policy/UsbDeviceId.h"

namespace mamori::agent {

namespace v1 = mamori::v1;
using mamori::platform::UsbDeviceInfo;

namespace {

// The first second after the end of local date "YYYY-MM-DD" (registrations are inclusive).
std::optional<int64_t> endOfLocalDate(const std::string& date) {
    int y = 0, m = 0, d = 0;
    if (std::sscanf(date.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d + 1;
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1)) return std::nullopt;
    return static_cast<int64_t>(t);
}

bool isAllow(v1::UsbAction a) { return a == v1::ALLOW || a == v1::ALLOW_READONLY; }

}  // namespace

UsbRules::UsbRules(const v1::Policy& policy, ExceptionScope scope) : policy_(policy), scope_(std::move(scope)) {}

std::string UsbRules::localDate(int64_t now_unix) {
    const std::time_t t = static_cast<std::time_t>(now_unix);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

const v1::PolicyException* UsbRules::exceptionFor(const UsbDeviceInfo& d, int64_t now) const {
    for (const auto& e : policy_.exceptions()) {
        if (e.control() != v1::USB || e.usb_action() == v1::USB_ACTION_UNSPECIFIED) continue;
        if (!scope_.applies(e, now, std::nullopt)) continue;
        // Parsed again here, whoever wrote it: "04BB:0C0A:..." names the same stick as "04bb:0c0a:...".
        const auto id = mamori::policy::UsbDeviceId::parse(e.usb_device());
        if (id && id.id->matches(d.vendor_id, d.product_id, d.has_serial, d.serial)) return &e;
    }
    return nullptr;
}

const v1::UsbDevice* UsbRules::registrationFor(const UsbDeviceInfo& d, int64_t now) const {
    for (const auto& r : policy_.usb().devices()) {
        if (r.vendor_id() != d.vendor_id || r.product_id() != d.product_id) continue;
        // An empty serial registers a device that has none; it never matches one that has.
        if (d.has_serial ? r.serial() != d.serial : !r.serial().empty()) continue;
        if (!r.port().empty() && r.port() != d.name) continue;
        if (!r.expires().empty()) {
            auto end = endOfLocalDate(r.expires());
            if (!end || *end <= now) continue;
        }
        return &r;
    }
    return nullptr;
}

UsbRules::InterfaceVerdict UsbRules::forInterface(uint8_t cls, uint8_t subclass, uint8_t protocol) const {
    for (const auto& r : policy_.usb().class_rules()) {
        if (r.interface_class() != cls) continue;
        if (r.interface_subclass() >= 0 && r.interface_subclass() != subclass) continue;
        if (r.interface_protocol() >= 0 && r.interface_protocol() != protocol) continue;
        return {r.action() == v1::USB_ACTION_UNSPECIFIED ? v1::BLOCK : r.action(), r.id()};
    }
    const auto def = policy_.usb().default_action();
    return {def == v1::USB_ACTION_UNSPECIFIED ? v1::BLOCK : def, "default"};
}

UsbDecision UsbRules::decide(const UsbDeviceInfo& d, int64_t now) const {
    UsbDecision out;
    if (const auto* e = exceptionFor(d, now)) {
        out.action = e->usb_action();
        out.rule_id = e->id();
        out.whole_device = out.exempted = true;
        out.matched_without_serial = !d.has_serial;
        out.read_only = out.action == v1::ALLOW_READONLY;
        return out;
    }
    if (const auto* r = registrationFor(d, now)) {
        out.action = r->action() == v1::USB_ACTION_UNSPECIFIED ? v1::BLOCK : r->action();
        out.rule_id = r->id();
        out.owner_section = r->owner_section();
        out.approved_by = r->approved_by();
        out.whole_device = true;
        out.matched_without_serial = !d.has_serial;
        out.read_only = out.action == v1::ALLOW_READONLY;
        return out;
    }
    // Descriptors that could not be read or parsed say nothing trustworthy about the device.
    const auto& ifs = d.interfaces.empty() ? d.declared_interfaces : d.interfaces;
    if ((!d.descriptors_valid && d.interfaces.empty()) || ifs.empty()) {
        out.action = v1::BLOCK;
        out.rule_id = "unreadable-descriptors";
        return out;
    }
    bool any_allowed = false, any_blocked = false;
    std::string first_allow;
    for (const auto& i : ifs) {
        auto v = forInterface(i.cls, i.subclass, i.protocol);
        if (isAllow(v.action)) {
            any_allowed = true;
            if (first_allow.empty()) first_allow = v.rule_id;
            if (v.action == v1::ALLOW_READONLY) out.read_only = true;
        } else if (!any_blocked) {
            any_blocked = true;
            out.rule_id = v.rule_id;
        }
    }
    if (!any_allowed) {
        out.action = v1::BLOCK;
        out.read_only = false;
        return out;
    }
    out.partial = any_blocked;
    out.action = out.read_only ? v1::ALLOW_READONLY : v1::ALLOW;
    if (!any_blocked) out.rule_id = first_allow;
    return out;
}

std::optional<int64_t> UsbRules::nextExpiry(int64_t now) const {
    std::optional<int64_t> next;
    auto consider = [&](int64_t t) {
        if (t > now && (!next || t < *next)) next = t;
    };
    for (const auto& e : policy_.exceptions())
        if (e.control() == v1::USB && scope_.addressedHere(e)) consider(e.expires_unix());
    for (const auto& r : policy_.usb().devices())
        if (auto end = endOfLocalDate(r.expires()); !r.expires().empty() && end) consider(*end);
    return next;
}

}  // namespace mamori::agent
