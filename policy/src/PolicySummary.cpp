#include "mamori/policy/PolicySummary.h"

#include "mamori/policy/PolicyLoader.h"
#include "mamori/policy/UsbDeviceId.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

namespace mamori::policy {
namespace {

namespace v1 = mamori::v1;

std::string modeText(v1::Mode mode) {
    switch (mode) {
        case v1::ENFORCE: return "enforce";
        case v1::MONITOR: return "monitor (report only, nothing is changed)";
        default: return "built-in default mode";
    }
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += items[i];
    }
    return out;
}

std::string className(std::uint32_t cls) {
    static const std::map<std::uint32_t, std::string> names = {
        {0x01, "audio"},        {0x02, "communications"}, {0x03, "HID (keyboard, mouse)"},
        {0x05, "physical"},     {0x06, "imaging (cameras, phones)"}, {0x07, "printer"},
        {0x08, "mass storage (USB memory)"}, {0x09, "hub"}, {0x0a, "CDC data"},
        {0x0b, "smart card (IC カードリーダー)"}, {0x0d, "content security"}, {0x0e, "video"},
        {0x0f, "personal healthcare"}, {0x10, "audio/video"}, {0x11, "billboard"},
        {0x12, "USB-C bridge"}, {0xdc, "diagnostic"}, {0xe0, "wireless (Bluetooth)"},
        {0xef, "miscellaneous"}, {0xfe, "application specific"}, {0xff, "vendor specific"}};
    auto it = names.find(cls);
    char hex[16];
    std::snprintf(hex, sizeof hex, "%02x", cls);
    return it == names.end() ? "class " + std::string(hex) : it->second + " [" + hex + "]";
}

std::string ruleTarget(const v1::UsbClassRule& r) {
    std::string out = className(r.interface_class());
    if (r.interface_subclass() >= 0 || r.interface_protocol() >= 0) {
        char buf[48];
        std::snprintf(buf, sizeof buf, " subclass %s protocol %s",
                      r.interface_subclass() >= 0 ? std::to_string(r.interface_subclass()).c_str() : "any",
                      r.interface_protocol() >= 0 ? std::to_string(r.interface_protocol()).c_str() : "any");
        out += buf;
    }
    return out;
}

std::string actionText(v1::UsbAction a) {
    switch (a) {
        case v1::ALLOW: return "allowed";
        case v1::ALLOW_READONLY: return "read-only";
        case v1::BLOCK: return "blocked";
        default: return "unspecified";
    }
}

std::string clock(std::uint32_t minutes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02u:%02u", minutes / 60, minutes % 60);
    return buf;
}

std::string weekdays(const v1::HoursPolicy& h) {
    static const char* names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    std::vector<int> days;
    for (int d : h.weekdays()) {
        if (d >= 0 && d <= 6) days.push_back(d);
    }
    // Monday-first, the way an office week is read.
    std::sort(days.begin(), days.end(), [](int a, int b) { return (a + 6) % 7 < (b + 6) % 7; });
    days.erase(std::unique(days.begin(), days.end()), days.end());
    if (days.empty()) return "no day";
    bool consecutive = days.size() > 2;
    for (std::size_t i = 1; i < days.size() && consecutive; ++i) consecutive = days[i] == (days[i - 1] + 1) % 7;
    if (consecutive) return std::string(names[days.front()]) + "-" + names[days.back()];
    std::vector<std::string> out;
    for (int d : days) out.emplace_back(names[d]);
    return join(out);
}

std::string hoursAction(const v1::HoursPolicy& h) {
    switch (h.action()) {
        case v1::HOURS_REPORT: return "report";
        case v1::HOURS_WARN:
            return h.warn_grace_minutes() ? "warn the user (" + std::to_string(h.warn_grace_minutes()) + " min grace)"
                                          : "warn the user";
        case v1::HOURS_LOCK: return "lock the screen";
        case v1::HOURS_LOGOFF: return "log the user off";
        default: return "unspecified";
    }
}

std::string bytes(std::uint64_t n) {
    if (n && n % (1ull << 30) == 0) return std::to_string(n >> 30) + " GiB";
    if (n && n % (1ull << 20) == 0) return std::to_string(n >> 20) + " MiB";
    if (n && n % (1ull << 10) == 0) return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " bytes";
}

std::string expiry(std::int64_t unix_seconds, const std::string& tz_name) {
    // A policy from the wire may carry any number; only years 1970-2999 are dates here.
    if (unix_seconds < 0 || unix_seconds >= 32503680000) return "expiry " + std::to_string(unix_seconds) + " (not a date)";
    const date::sys_seconds t{std::chrono::seconds(unix_seconds)};
    try {
        const auto* tz = date::locate_zone(tz_name.empty() ? "Asia/Tokyo" : tz_name);
        const auto local = tz->to_local(t);
        const auto day = date::floor<date::days>(local);
        if (local == day) {
            // Written as a date, meaning through the end of the day before this midnight.
            return "through " + date::format("%F", day - date::days{1}) + " (" + tz->name() + ")";
        }
        return "until " + date::format("%F %R", date::floor<std::chrono::minutes>(local)) + " (" + tz->name() + ")";
    } catch (const std::exception&) {
        return "until " + date::format("%F %R UTC", date::floor<std::chrono::minutes>(t));
    }
}

std::string controlName(v1::Control c) {
    switch (c) {
        case v1::USB: return "USB";
        case v1::HOURS: return "hours";
        case v1::SOFTWARE: return "software";
        case v1::SCREEN_LOCK: return "screen lock";
        default: return "unspecified control";
    }
}

// What the exception relaxes, as the agent will match it.
std::string exceptionSubject(const v1::PolicyException& e) {
    std::string out;
    if (e.hours_extension()) out += " extension (時間外利用)";
    if (!e.usb_device().empty()) {
        const auto id = UsbDeviceId::parse(e.usb_device());
        out += " " + e.usb_device();
        if (id && !id.id->serial()) out += " (a device of that model without a serial number)";
        out += " " + (e.usb_action() == v1::ALLOW ? std::string("read-write") : actionText(e.usb_action()));
    }
    if (!e.software_sha256().empty()) out += " sha256 " + e.software_sha256().substr(0, 12) + "…";
    if (!e.software_path().empty()) out += " program " + e.software_path();
    return out;
}

// Where, and for whom, agents honour it: each agent applies only the exceptions that name its
// own terminal id or the group its signed policy carries.
std::string exceptionScope(const v1::PolicyException& e) {
    std::string out;
    if (!e.terminal().empty() && !e.group().empty()) out = "on terminal " + e.terminal() + " if it is in group " + e.group();
    else if (!e.terminal().empty()) out = "on terminal " + e.terminal() + " only";
    else if (!e.group().empty()) out = "on the terminals of group " + e.group() + " only";
    else return "on no terminal (it names neither a terminal nor a group, so every agent ignores it)";
    if (e.user().empty()) return out + ", for every user";
    switch (e.control()) {
        case v1::HOURS: return out + ", for " + e.user() + "'s logons only";
        case v1::SOFTWARE: return out + ", for programs " + e.user() + " runs only";
        // A device is decided when it is plugged in, whoever is logged on.
        default: return out + ", limited to user " + e.user() + ", which this control cannot tell, so it is never honoured";
    }
}

}  // namespace

std::string PolicySummary::describe(const v1::Policy& p) {
    std::string out = "Profile \"" + p.name() + "\"";
    if (p.version()) out += " version " + std::to_string(p.version());
    if (!p.description().empty()) out += " — " + p.description();
    out += "\n";
    out += "Notices to the person at the terminal (利用者への通知): on the desktop, " +
           (p.helpdesk().empty() ? std::string("without a contact (set helpdesk: to say whom to call)")
                                 : "naming " + p.helpdesk() + " to call") +
           "\n";

    // USB
    const auto& usb = p.usb();
    out += "USB (電磁的記録媒体): " + modeText(usb.mode()) + " — ";
    std::map<v1::UsbAction, std::vector<std::string>> by_action;
    for (const auto& r : usb.class_rules()) by_action[r.action()].push_back(ruleTarget(r));
    std::vector<std::string> parts;
    for (auto a : {v1::BLOCK, v1::ALLOW_READONLY, v1::ALLOW}) {
        if (by_action.count(a)) parts.push_back(actionText(a) + ": " + join(by_action[a]));
    }
    parts.push_back("any other interface " + actionText(usb.default_action()));
    out += join(parts, "; ");
    if (usb.devices_size() == 0) {
        out += "; no registered sticks (登録媒体なし)";
    } else {
        std::size_t ro = 0, rw = 0, blocked = 0, no_serial = 0;
        std::string earliest;
        for (const auto& d : usb.devices()) {
            if (d.action() == v1::ALLOW_READONLY) ++ro;
            else if (d.action() == v1::ALLOW) ++rw;
            else ++blocked;
            if (d.serial().empty()) ++no_serial;
            if (!d.expires().empty() && (earliest.empty() || d.expires() < earliest)) earliest = d.expires();
        }
        out += "; " + plural(usb.devices_size(), "registered stick", "registered sticks") + " (登録媒体: " +
               std::to_string(ro) + " read-only, " + std::to_string(rw) + " read-write" +
               (blocked ? ", " + std::to_string(blocked) + " blocked" : "") + ")";
        if (no_serial) out += ", " + std::to_string(no_serial) + " matched by model only (no serial number)";
        if (!earliest.empty()) out += ", first registration expires " + earliest;
    }
    out += "\n";

    // Hours
    const auto& h = p.hours();
    out += "Hours (運用時間): " + modeText(h.mode()) + " — open " + weekdays(h) + " ";
    std::vector<std::string> windows;
    for (const auto& w : h.windows()) windows.push_back(clock(w.start_minute()) + "-" + clock(w.end_minute()));
    out += windows.empty() ? std::string("never") : join(windows);
    out += " (" + (h.time_zone().empty() ? std::string("Asia/Tokyo") : h.time_zone()) + ")";
    std::vector<std::string> closed;
    if (h.national_holidays_closed()) closed.push_back("national holidays (祝日)");
    if (h.year_end_closed()) closed.push_back("12/29-1/3 (年末年始)");
    if (h.closed_dates_size()) closed.push_back(plural(h.closed_dates_size(), "other date", "other dates"));
    out += closed.empty() ? "; open on holidays" : "; closed on " + join(closed);
    out += "; outside hours: " + hoursAction(h);
    // The agent judges failed logons whenever it reads them, whatever the hours mode.
    const auto limit = h.failed_logon_limit() ? h.failed_logon_limit() : PolicyLoader::kFailedLogonLimit;
    const auto window = h.failed_logon_window_minutes() ? h.failed_logon_window_minutes()
                                                        : PolicyLoader::kFailedLogonWindowMinutes;
    out += "; " + plural(limit, "failed logon", "failed logons") + " of one user within " + std::to_string(window) +
           " min " + (limit == 1 ? "is" : "are") + " a violation (ログオン失敗)\n";

    // Software
    const auto& s = p.software();
    out += "Software (ソフトウェア): " + modeText(s.mode()) + " — ";
    const bool any_package = std::any_of(s.allowed_packages().begin(), s.allowed_packages().end(),
                                         [](const v1::PackageRule& r) { return r.name() == "*"; });
    std::vector<std::string> allow;
    if (any_package) allow.push_back("every installed package");
    else if (s.allowed_packages_size()) allow.push_back(plural(s.allowed_packages_size(), "package pattern", "package patterns"));
    if (s.allowed_sha256_size()) allow.push_back(plural(s.allowed_sha256_size(), "SHA-256 hash", "SHA-256 hashes"));
    if (s.allowed_path_prefixes_size()) allow.push_back(plural(s.allowed_path_prefixes_size(), "directory", "directories"));
    out += allow.empty() ? std::string("nothing is allowed") : "allowed (許可): " + join(allow);
    if (s.denied_categories_size()) {
        std::vector<std::string> cats(s.denied_categories().begin(), s.denied_categories().end());
        out += "; always denied: " + join(cats);
    }
    out += "; " + plural(s.watch_mounts_size(), "mount", "mounts") + " watched, " +
           plural(s.scan_paths_size(), "place", "places") + " scanned for unmanaged programs";
    out += "; a verdict waits at most " + std::to_string(s.decision_deadline_ms()) + " ms, then " +
           (s.on_deadline() == v1::DEADLINE_DENY ? "deny" : "allow") + "\n";

    // Screen lock
    const auto& l = p.screen_lock();
    out += "Screen lock (画面ロック): " + modeText(l.mode()) + " — lock after " + std::to_string(l.idle_minutes()) +
           " min idle";
    if (!l.lock_command().empty()) out += " (with " + l.lock_command() + " where logind cannot lock)";
    out += l.audit_settings() ? "; terminals whose own lock setting is weaker are reported" : "";
    out += "\n";

    // Reporting
    const auto& r = p.reporting();
    out += "Reporting (報告): a terminal silent over " + std::to_string(r.heartbeat_minutes()) +
           " min when its office hours say it should be on is \"not reporting\"; clock skew over " +
           std::to_string(r.clock_tolerance_seconds()) +
           " s, measured by the collector at each sync, is a clock violation; " +
           (r.journal_max_bytes() ? "up to " + bytes(r.journal_max_bytes())
                                  : std::string("up to each terminal's own journal_max_bytes (agent.conf)")) +
           " of events kept while the collector is unreachable\n";

    // Exceptions
    out += "Exceptions (例外措置): ";
    if (p.exceptions_size() == 0) {
        out += "none\n";
    } else {
        out += std::to_string(p.exceptions_size()) + "\n";
        for (const auto& e : p.exceptions()) {
            out += "  " + e.id() + ": " + controlName(e.control()) + exceptionSubject(e) + " " + exceptionScope(e) +
                   (e.expires_unix() > 0 ? ", " + expiry(e.expires_unix(), h.time_zone())
                                         : std::string(", no expiry, so no agent honours it")) +
                   "; requested by " + e.requested_by() +
                   ", approved by " + e.approved_by() + "\n";
        }
    }
    out += "  requested through the collector: approved by another account than the requester, for at most " +
           std::to_string(p.max_exception_days() ? p.max_exception_days() : 90) + " days\n";
    return out;
}

}  // namespace mamori::policy
