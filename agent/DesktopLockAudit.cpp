#include "agent/DesktopLockAudit.h"

#include <array>
#include <charconv>
#include <string>

#include "mamori/common/Log.h"
#include "mamori/platform/ThisProcess.h"

namespace mamori::agent {

namespace {

namespace v1 = mamori::v1;

struct Key {
    const char* schema;
    const char* key;
};
constexpr std::array<Key, 3> kKeys{{
    {"org.gnome.desktop.session", "idle-delay"},
    {"org.gnome.desktop.screensaver", "lock-enabled"},
    {"org.gnome.desktop.screensaver", "lock-delay"},
}};

// When a desktop with its lock enabled and an idle delay locks, as the events describe it.
DesktopLockAudit::Weakness lockDelays(const DesktopLockAudit::Settings& s) {
    // GNOME blanks the screen after idle-delay and locks lock-delay later.
    return {"gnome idle-delay " + std::to_string(s.idle_delay) + " s + lock-delay " + std::to_string(s.lock_delay) + " s",
            uint64_t{s.idle_delay} + s.lock_delay};
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Calls f on each line until it returns true.
template <class F>
bool anyLine(std::string_view text, F f) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        if (f(trim(text.substr(0, nl)))) return true;
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    return false;
}

}  // namespace

struct DesktopLockAudit::Reading {
    std::chrono::seconds threshold;
    mamori::platform::UserDesktop desktop;  // empty user: the system's defaults as the agent sees them
    std::array<std::string, kKeys.size()> values;
};

DesktopLockAudit::DesktopLockAudit(mamori::platform::CommandRunner& runner, WeakLockSettings& findings)
    : runner_(runner), findings_(findings) {}

DesktopLockAudit::~DesktopLockAudit() = default;

std::optional<uint32_t> DesktopLockAudit::parseUint32(std::string_view output) {
    std::optional<uint32_t> out;
    anyLine(output, [&](std::string_view line) {
        if (line.starts_with("uint32 ")) line = trim(line.substr(7));
        if (line.empty() || line.find_first_not_of("0123456789") != std::string_view::npos) return false;
        uint32_t v = 0;
        auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
        if (ec != std::errc() || end != line.data() + line.size()) return false;
        out = v;
        return true;
    });
    return out;
}

std::optional<bool> DesktopLockAudit::parseBool(std::string_view output) {
    std::optional<bool> out;
    anyLine(output, [&](std::string_view line) {
        if (line == "true" || line == "false") out = line == "true";
        return out.has_value();
    });
    return out;
}

void DesktopLockAudit::run(std::chrono::seconds threshold, const std::vector<mamori::platform::UserDesktop>& desktops) {
    if (!mamori::platform::programOnPath("gsettings")) {
        Log::info("screen lock: gsettings is not installed; the desktop's own lock settings are not audited");
        return;
    }
    std::vector<mamori::platform::UserDesktop> targets = desktops;
    if (targets.empty()) targets.emplace_back();
    for (auto& d : targets) {
        auto r = std::make_shared<Reading>();
        r->threshold = threshold;
        r->desktop = std::move(d);
        read(r, 0);
    }
}

void DesktopLockAudit::read(std::shared_ptr<Reading> r, size_t index) {
    if (index == kKeys.size()) return finish(*r);
    // dconf reads the database files directly; only writes go through the session bus. A bus
    // the user's session does not have must not be started on the agent's behalf.
    auto env = r->desktop.env;
    if (!r->desktop.session_bus) env.push_back("DBUS_SESSION_BUS_ADDRESS=disabled:");
    auto argv = r->desktop.command({"gsettings", "get", kKeys[index].schema, kKeys[index].key});
    runner_.run(std::move(argv), std::move(env), [this, r, index, alive = std::weak_ptr<int>(alive_)](const auto& result) {
        if (!alive.lock()) return;
        if (result.exit_code != 0) {
            Log::info(std::string("screen lock: no GNOME setting ") + kKeys[index].schema + " " + kKeys[index].key +
                      " here (gsettings exit " + std::to_string(result.exit_code) + ": " + result.firstLine() +
                      "); the desktop's own lock is not audited");
            return;
        }
        r->values[index] = result.output;
        read(r, index + 1);
    });
}

std::optional<DesktopLockAudit::Weakness> DesktopLockAudit::judge(const Settings& s, std::chrono::seconds threshold) {
    if (!s.lock_enabled) return Weakness{"gnome org.gnome.desktop.screensaver lock-enabled=false", 0};
    if (s.idle_delay == 0) return Weakness{"gnome org.gnome.desktop.session idle-delay=0 (never)", 0};
    auto delays = lockDelays(s);
    if (delays.seconds <= static_cast<uint64_t>(threshold.count())) return std::nullopt;
    return delays;
}

std::string DesktopLockAudit::key(const mamori::platform::UserDesktop& desktop) {
    if (!desktop.user.empty()) return desktop.user;
    if (!desktop.display.empty()) return desktop.display;
    return "defaults";
}

void DesktopLockAudit::finish(const Reading& r) {
    auto idle_delay = parseUint32(r.values[0]);
    auto lock_enabled = parseBool(r.values[1]);
    auto lock_delay = parseUint32(r.values[2]);
    if (!idle_delay || !lock_enabled || !lock_delay) {
        Log::warn("screen lock: unexpected gsettings output; the desktop's own lock is not audited");
        return;
    }
    const Settings settings{*idle_delay, *lock_enabled, *lock_delay};
    const auto weak = judge(settings, r.threshold);
    // What the event says: the setting, and whose it is where it is a user's own.
    const auto found = weak ? *weak : lockDelays(settings);
    v1::ScreenDetails d;
    d.set_display(r.desktop.display);
    d.set_setting(r.desktop.user.empty() ? found.setting : found.setting + " (user " + r.desktop.user + ")");
    d.set_setting_seconds(static_cast<uint32_t>(std::min<uint64_t>(found.seconds, UINT32_MAX)));
    findings_.audited(key(r.desktop), weak.has_value(), d);
}

}  // namespace mamori::agent
