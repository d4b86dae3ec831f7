#include "agent/HoursControl.h"

#include <algorithm>

#include "mamori/common/Log.h"
#include "mamori/platform/SessionTerminal.h"
#include "mamori/policy/PolicyLoader.h"

namespace mamori::agent {

namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;
namespace v1 = mamori::v1;

constexpr uint32_t kDefaultGraceMinutes = 10;
// The journal's cursor holding btmp's read position (FailedLogons' form).
constexpr const char* kBtmpCursor = "btmp";
// With nothing due, the alarm is still armed this far ahead: it is also what reports a clock step.
constexpr auto kIdleHorizon = 24h * 366;

TimePoint fromUnix(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

int64_t toUnix(TimePoint t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }

const char* actionName(v1::HoursAction a) {
    switch (a) {
        case v1::HOURS_WARN: return "warn";
        case v1::HOURS_LOCK: return "lock";
        case v1::HOURS_LOGOFF: return "logoff";
        default: return "report";
    }
}

std::string localTime(const mamori::policy::OperatingCalendar& cal, TimePoint t) {
    return date::format("%F %R", cal.localTime(t));
}

}  // namespace

HoursControl::HoursControl(ControlContext ctx, Platform platform)
    : ctx_(ctx), os_(std::move(platform)), notification_(*os_.commands, ctx.config.notify_command),
      failed_logons_(ctx.config.state_dir / "failed-logons") {}

HoursControl::~HoursControl() = default;

std::unique_ptr<HoursControl> HoursControl::create(ControlContext ctx) {
    Platform p;
    // The control that reports failed logons keeps btmp's read position, so attempts made while
    // the agent was down are reported at its next start; the journal keeps it too, with each
    // attempt reported (kBtmpCursor).
    EventSink& sink = ctx.sink;
    p.sessions = mamori::platform::sessionMonitor(
        ctx.executor, {ctx.config.utmp_file, ctx.config.btmp_file, ctx.config.state_dir / "btmp.position",
                       [&sink] { return sink.cursor(kBtmpCursor); }});
    p.alarm = mamori::platform::wallAlarm(ctx.executor, ctx.clock);
    p.commands = mamori::platform::commandRunner(ctx.executor);
    p.tell_terminal = mamori::platform::writeToSessionTerminal;
    return std::make_unique<HoursControl>(ctx, std::move(p));
}

bool HoursControl::check(const v1::Policy& policy, std::string& why) {
    try {
        mamori::policy::OperatingCalendar calendar(policy.hours());
    } catch (const std::exception& e) {
        why = e.what();
        return false;
    }
    return true;
}

void HoursControl::apply(const v1::Policy& policy) {
    policy_ = policy;
    scope_ = ExceptionScope(ctx_.terminal_id, policy_);
    calendar_ = std::make_unique<mamori::policy::OperatingCalendar>(policy_.hours());
    lock_command_ = std::make_unique<LockCommand>(policy_, ctx_.config, os_.sessions.get());
    failed_logons_.setLimit(failedLogonLimit(), failedLogonWindow());
    if (!started_) {
        started_ = true;
        os_.sessions->start([this](const auto& change) { onSessionChange(change); });
    }
    evaluate();
}

TimePoint HoursControl::now() const {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(ctx_.clock.utcNs())));
}

void HoursControl::onSessionChange(const mamori::platform::SessionChange& change) {
    using Kind = mamori::platform::SessionChange::Kind;
    switch (change.kind) {
        case Kind::Logon:
            report(change.session, v1::LOGON, false, v1::OUTCOME_UNSPECIFIED, {}, {});
            evaluate(&change.session);
            break;
        case Kind::Logoff:
            report(change.session, v1::LOGOFF, false, v1::OUTCOME_UNSPECIFIED, {}, {});
            evaluate();
            break;
        case Kind::LogonFailed: {
            auto s = change.session;
            s.start_unix = change.time_unix;
            // With btmp's position after it, in one transaction: a restart never reads it again.
            // Then counted: an agent killed in between counts one failure fewer towards the
            // limit, rather than one twice and a limit reached that was not.
            report(s, v1::LOGON_FAILED, false, v1::OUTCOME_UNSPECIFIED, {}, {}, 0, 0,
                   change.position.empty() ? std::nullopt
                                           : std::optional(Journal::Cursor{kBtmpCursor, change.position}));
            // Judged whatever the hours mode: the failures are read and recorded in any case.
            if (auto n = failed_logons_.failed(s.user, change.time_unix)) {
                report(s, v1::LOGON_FAILURES_EXCEEDED, true, v1::REPORTED, "hours.logon",
                       std::to_string(*n) + " failed logons within " + std::to_string(failedLogonWindow().count()) +
                           " min",
                       *n, static_cast<uint32_t>(failedLogonWindow().count()));
            }
            break;
        }
    }
}

const v1::PolicyException* HoursControl::extensionFor(const mamori::platform::Session& s, int64_t now_unix) const {
    // A logon knows its user, so an extension for one person covers that person's sessions only.
    for (const auto& e : policy_.exceptions()) {
        if (e.control() != v1::HOURS || !e.hours_extension()) continue;
        if (scope_.applies(e, now_unix, s.user)) return &e;
    }
    return nullptr;
}

void HoursControl::evaluate(const mamori::platform::Session* just_logged_on) {
    if (!calendar_) return;
    const TimePoint t = now();
    const int64_t now_unix = toUnix(t);
    const bool open = calendar_->isOpenAt(t);

    auto active = os_.sessions->active();
    std::erase_if(tracked_, [&](const Tracked& tr) {
        return std::find(active.begin(), active.end(), tr.session) == active.end();
    });
    for (const auto& s : active) {
        auto known = std::find_if(tracked_.begin(), tracked_.end(), [&](const Tracked& tr) { return tr.session == s; });
        if (known == tracked_.end()) tracked_.push_back(Tracked{s});
    }

    std::optional<TimePoint> wake = calendar_->nextTransition(t);
    auto atTheLatest = [&](TimePoint when) {
        if (!wake || when < *wake) wake = when;
    };
    const auto action = policy_.hours().action() == v1::HOURS_ACTION_UNSPECIFIED ? v1::HOURS_REPORT
                                                                                 : policy_.hours().action();
    for (auto& tr : tracked_) {
        if (open) {
            tr.phase = Phase::Allowed;
            continue;
        }
        if (const auto* ext = extensionFor(tr.session, now_unix)) {
            if (tr.phase != Phase::Exempted) {
                tr.phase = Phase::Exempted;
                report(tr.session, v1::HOURS_VIOLATION, false, v1::EXEMPTED, ext->id(),
                       "extension until " + localTime(*calendar_, fromUnix(ext->expires_unix())));
            }
            continue;
        }
        const bool logon = just_logged_on && *just_logged_on == tr.session;
        switch (tr.phase) {
            case Phase::Allowed:
            case Phase::Exempted: act(tr, action, logon ? "hours.logon" : "hours.closed"); break;
            case Phase::Warned:
                if (t >= tr.grace_ends) act(tr, v1::HOURS_LOCK, "hours.after_warning");
                break;
            case Phase::Acted: break;
        }
        if (tr.phase == Phase::Warned) atTheLatest(tr.grace_ends);
    }
    for (const auto& e : policy_.exceptions()) {
        if (e.control() == v1::HOURS && e.hours_extension() && scope_.addressedHere(e) && e.expires_unix() > now_unix)
            atTheLatest(fromUnix(e.expires_unix()));
    }

    next_wake_ = wake;
    os_.alarm->at(wake.value_or(t + kIdleHorizon),
                  [this, alive = std::weak_ptr<int>(alive_)](mamori::platform::WallAlarm::Wake w) {
                      if (!alive.lock()) return;
                      if (w == mamori::platform::WallAlarm::Wake::ClockChanged)
                          Log::info("hours: the wall clock was set; deciding again from the new time");
                      evaluate();
                  });
}

void HoursControl::act(Tracked& tr, v1::HoursAction action, const std::string& rule) {
    const auto& s = tr.session;
    tr.phase = Phase::Acted;
    if (policy_.hours().mode() != v1::ENFORCE) {
        report(s, v1::HOURS_VIOLATION, true, v1::MONITORED, rule, actionName(action));
        return;
    }
    switch (action) {
        case v1::HOURS_WARN: {
            uint32_t minutes = policy_.hours().warn_grace_minutes() ? policy_.hours().warn_grace_minutes()
                                                                    : kDefaultGraceMinutes;
            std::string m = std::to_string(minutes);
            const std::string body = DesktopNotification::withContact(
                "時間外利用の承認がない場合、" + m +
                    " 分後にこの端末の画面をロックします。\n"
                    "Outside operating hours: unless overtime use is approved, this terminal's screen "
                    "will be locked in " + m + " minutes.",
                policy_.helpdesk());
            // The session's own desktop, or its own terminal: never a broadcast to everyone
            // logged on. A warn_command in agent.conf (wall, say) is run as well.
            if (!notification_.show(s, "mamori: 運用時間外です / Outside operating hours", body) &&
                !(os_.tell_terminal && os_.tell_terminal(s.line, "【mamori】運用時間外です。" + body)))
                Log::warn("hours: no desktop or terminal to warn " + s.user + " on " + s.line);
            if (!ctx_.config.warn_command.empty())
                os_.commands->run({ctx_.config.warn_command, "【mamori】運用時間外です。" + body}, {}, [](const auto& r) {
                    if (r.exit_code != 0) Log::warn("hours: the warning could not be shown (" + r.output + ")");
                });
            tr.phase = Phase::Warned;
            tr.grace_ends = now() + std::chrono::minutes(minutes);
            report(s, v1::HOURS_VIOLATION, true, v1::ENFORCED, rule, "warn, lock at " + localTime(*calendar_, tr.grace_ends));
            break;
        }
        case v1::HOURS_LOCK: lock(s, rule); break;
        case v1::HOURS_LOGOFF:
            if (os_.sessions->logoff(s)) report(s, v1::HOURS_VIOLATION, true, v1::ENFORCED, rule, "logoff");
            else report(s, v1::HOURS_VIOLATION, true, v1::OUTCOME_UNSPECIFIED, rule, "logoff failed: the session has no process");
            break;
        default: report(s, v1::HOURS_VIOLATION, true, v1::MONITORED, rule, "report"); break;
    }
}

void HoursControl::lock(const mamori::platform::Session& s, const std::string& rule) {
    std::string display = s.display();
    if (display.empty()) {
        // A text or remote shell has no screen to lock; logging it off is a separate, explicit action.
        report(s, v1::HOURS_VIOLATION, true, v1::MONITORED, rule, "lock: not possible for a text session");
        return;
    }
    // Said as it happens, so that the person who unlocks knows why, and whom to ask.
    notification_.show(s, "mamori: 運用時間外のため画面をロックします / Screen locked: outside operating hours",
                       DesktopNotification::withContact(
                           "時間外に利用するには承認（時間外利用の申請）が必要です。\n"
                           "Use outside operating hours needs approval (an overtime request).",
                           policy_.helpdesk()));
    lock_command_->run(ctx_.executor, *os_.commands, display,
                       [this, s, rule, alive = std::weak_ptr<int>(alive_)](const LockCommand::Outcome& o) {
                           if (!alive.lock()) return;
                           if (o.locked) report(s, v1::HOURS_VIOLATION, true, v1::ENFORCED, rule, "lock");
                           else report(s, v1::HOURS_VIOLATION, true, v1::OUTCOME_UNSPECIFIED, rule, "lock: " + o.detail);
                       });
}

uint32_t HoursControl::failedLogonLimit() const {
    const auto limit = policy_.hours().failed_logon_limit();
    return limit ? limit : mamori::policy::PolicyLoader::kFailedLogonLimit;
}

std::chrono::minutes HoursControl::failedLogonWindow() const {
    const auto window = policy_.hours().failed_logon_window_minutes();
    return std::chrono::minutes(window ? window : mamori::policy::PolicyLoader::kFailedLogonWindowMinutes);
}

void HoursControl::report(const mamori::platform::Session& s, v1::EventType type, bool violation, v1::Outcome outcome,
                          const std::string& rule, const std::string& action, uint32_t failures,
                          uint32_t window_minutes, const std::optional<Journal::Cursor>& cursor) {
    v1::EventBody b;
    b.set_type(type);
    b.set_control(v1::HOURS);
    b.set_rule_id(rule);
    b.set_violation(violation);
    b.set_outcome(outcome);
    auto* d = b.mutable_session();
    d->set_user(s.user);
    d->set_line(s.line);
    d->set_host(s.host);
    d->set_session_start_unix(s.start_unix);
    d->set_action(action);
    d->set_failures(failures);
    d->set_window_minutes(window_minutes);
    ctx_.sink.emit(std::move(b), cursor);
    if (violation) Log::info("hours: " + s.user + " on " + s.line + ": " + rule + " -> " + action);
}

}  // namespace mamori::agent
