#include "agent/ScreenLockControl.h"

#include <algorithm>

#include "agent/SessionIdleDisplay.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace {
constexpr uint32_t kDefaultIdleMinutes = 5;
// An X server creates its socket a moment before it accepts connections; a display that
// cannot be opened yet is tried again after 0.25, 0.5, 1 ... s, for about a minute.
constexpr auto kFirstRetry = std::chrono::milliseconds(250);
constexpr int kMaxAttempts = 9;
// A display that goes within this time of being opened (a server that stopped answering) is
// opened again on the same backoff, not at once: it cannot keep the agent busy reconnecting.
constexpr auto kSettled = std::chrono::seconds(30);
}  // namespace

ScreenLockControl::ScreenLockControl(ControlContext ctx, Platform platform)
    : ctx_(ctx), os_(std::move(platform)),
      weak_settings_(std::make_shared<WeakLockSettings>(ctx.sink, ctx.config.state_dir)),
      desktop_audit_(*os_.commands, *weak_settings_) {}

ScreenLockControl::~ScreenLockControl() = default;

std::unique_ptr<ScreenLockControl> ScreenLockControl::create(ControlContext ctx) {
    Platform p;
    p.directory = mamori::platform::displayDirectory(ctx.executor);
    p.open = [executor = ctx.executor, work = ctx.work](const std::string& name, std::set<std::string> owners,
                                                        mamori::platform::DisplayOpened done) {
        mamori::platform::openLocalDisplay(executor, work, name, std::move(owners), std::move(done));
    };
    p.commands = mamori::platform::commandRunner(ctx.executor);
    p.sessions = mamori::platform::sessionMonitor(ctx.executor, {ctx.config.utmp_file, ctx.config.btmp_file, {}, {}});
    return std::make_unique<ScreenLockControl>(ctx, std::move(p));
}

bool ScreenLockControl::check(const mamori::v1::Policy&, std::string&) { return true; }

void ScreenLockControl::apply(const mamori::v1::Policy& policy) {
    const auto& p = policy.screen_lock();
    settings_.threshold = std::chrono::minutes(p.idle_minutes() ? p.idle_minutes() : kDefaultIdleMinutes);
    settings_.enforce = p.mode() != mamori::v1::MONITOR;  // the built-in default enforces
    settings_.audit = p.audit_settings();
    settings_.command = std::make_shared<LockCommand>(policy, ctx_.config, os_.sessions.get());
    settings_.findings = weak_settings_;
    for (auto& [name, watched] : locks_) watched.lock->start(settings_);
    if (settings_.audit) {
        auto logged_on = os_.sessions ? os_.sessions->active() : std::vector<mamori::platform::Session>{};
        desktop_audit_.run(auditThreshold(), desktops(logged_on));
    }
    if (!started_) {
        started_ = true;
        // A user who logs on later brings their own desktop settings: audit them at logon.
        if (os_.sessions) {
            os_.sessions->start([this](const mamori::platform::SessionChange& c) {
                if (c.kind != mamori::platform::SessionChange::Kind::Logon || !settings_.audit) return;
                auto d = desktops({c.session});
                if (!d.empty()) desktop_audit_.run(auditThreshold(), d);
            });
        }
        os_.directory->watch([this](const auto& present) { sync(present); });
        sync(os_.directory->present());
    }
}

std::chrono::seconds ScreenLockControl::auditThreshold() const {
    return std::chrono::duration_cast<std::chrono::seconds>(settings_.threshold);
}

std::vector<mamori::platform::UserDesktop> ScreenLockControl::desktops(const std::vector<mamori::platform::Session>& sessions) {
    std::vector<mamori::platform::UserDesktop> out;
    for (const auto& s : sessions) {
        if (s.display().empty()) continue;  // a text session has no desktop settings that matter
        auto d = mamori::platform::userDesktop(s);
        if (!d) continue;
        bool seen = std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.user == d->user; });
        if (!seen) out.push_back(std::move(*d));
    }
    return out;
}

std::set<std::string> ScreenLockControl::watched() const {
    std::set<std::string> out;
    for (const auto& [name, watched] : locks_) out.insert(name);
    return out;
}

void ScreenLockControl::sync(const std::set<std::string>& present) {
    wanted_.clear();
    for (const auto& d : present) {
        const auto& only = ctx_.config.displays;
        if (only.empty() || std::find(only.begin(), only.end(), d) != only.end()) wanted_.insert(d);
    }
    for (auto it = locks_.begin(); it != locks_.end();) {
        if (wanted_.count(it->first)) ++it;
        else it = locks_.erase(it);
    }
    std::erase_if(retries_, [&](const auto& r) { return !wanted_.count(r.first); });
    for (const auto& d : wanted_)
        if (!locks_.count(d) && !retries_.count(d) && !opening_.count(d)) open(d, 0);
}

void ScreenLockControl::open(const std::string& name, int attempt) {
    retries_.erase(name);
    opening_.insert(name);
    auto owners = displayOwners(os_.sessions ? os_.sessions->active() : std::vector<mamori::platform::Session>{}, name);
    os_.open(name, std::move(owners), [this, name, attempt, alive = std::weak_ptr<int>(alive_)](auto display) {
        if (!alive.lock()) return;
        opening_.erase(name);
        if (wanted_.count(name) && !locks_.count(name)) opened(name, attempt, std::move(display));
    });
}

std::set<std::string> ScreenLockControl::displayOwners(const std::vector<mamori::platform::Session>& sessions,
                                                      const std::string& display) {
    std::set<std::string> on_it, local;
    for (const auto& s : sessions) {
        if (s.display() == display) on_it.insert(s.user);
        if (s.host.empty() || s.host.front() == ':') local.insert(s.user);
    }
    return on_it.empty() ? local : on_it;
}

void ScreenLockControl::opened(const std::string& name, int attempt,
                               std::unique_ptr<mamori::platform::LocalDisplay> display) {
    if (!display && attempt + 1 >= kMaxAttempts) display = sessionIdle(name);
    if (!display) return retry(name, attempt);
    display->onClosed([this, name, alive = std::weak_ptr<int>(alive_)] {
        if (alive.lock()) closed(name);
    });
    Log::info("screen lock: watching display " + name);
    auto lock = std::make_unique<IdleLock>(ctx_.executor, std::move(display), ctx_.sink, *os_.commands, settings_);
    auto& ref = *lock;
    locks_[name] = {std::move(lock), std::chrono::steady_clock::now(), attempt};
    ref.start();
}

void ScreenLockControl::retry(const std::string& name, int attempt) {
    if (attempt + 1 >= kMaxAttempts) {
        Log::warn("screen lock: cannot open display " + name +
                  " (is the agent allowed to connect to it? set XAUTHORITY); it is not watched until a display "
                  "starts or stops");
        return;
    }
    auto timer = std::make_unique<boost::asio::steady_timer>(ctx_.executor, kFirstRetry * (1 << attempt));
    timer->async_wait([this, name, attempt, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (!ec && alive.lock()) open(name, attempt + 1);
    });
    retries_[name] = std::move(timer);
}

std::unique_ptr<mamori::platform::LocalDisplay> ScreenLockControl::sessionIdle(const std::string& name) {
    if (!os_.sessions) return nullptr;
    for (const auto& s : os_.sessions->active()) {
        if (s.display() != name || !os_.sessions->idle(s)) continue;
        Log::warn("screen lock: cannot open display " + name + " (set XAUTHORITY to let the agent connect); " +
                  "its idle time comes from logind's idle hint for " + s.user + "'s session instead");
        return std::make_unique<SessionIdleDisplay>(ctx_.executor, *os_.sessions, s);
    }
    return nullptr;
}

void ScreenLockControl::closed(std::string name) {
    Log::info("screen lock: display " + name + " has gone");
    auto it = locks_.find(name);
    if (it == locks_.end()) return;
    const auto opened_at = it->second.opened_at;
    const int attempt = it->second.attempt;
    locks_.erase(it);
    // Its server may be restarting (the next logon): watch it again if its socket is still there.
    if (!os_.directory->present().count(name)) return;
    if (std::chrono::steady_clock::now() - opened_at < kSettled) return retry(name, attempt);
    open(name, 0);
}

}  // namespace mamori::agent
