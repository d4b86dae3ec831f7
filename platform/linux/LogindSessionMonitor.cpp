#include "LogindSessionMonitor.h"

#include <time.h>

#include <cstring>

#include "UtmpRecord.h"
#include "mamori/common/Log.h"

namespace mamori::platform {

namespace {

constexpr const char* kLogind = "org.freedesktop.login1";
constexpr const char* kManagerPath = "/org/freedesktop/login1";
constexpr const char* kManager = "org.freedesktop.login1.Manager";
constexpr const char* kSessionInterface = "org.freedesktop.login1.Session";
// Startup's few calls wait for logind this long at most; a logind that does not answer in
// that time is treated as absent rather than holding up the agent.
constexpr uint64_t kCallTimeoutUsec = 2'000'000;

using Entry = LogindSessionMonitor::Entry;

// What logind says is as untrusted as utmp (a remote host name comes from the client's DNS).
std::string printable(const char* s) { return s ? UtmpRecord::text(s, std::strlen(s)) : std::string(); }

std::string errorText(const sd_bus_error* e, int r = 0) {
    if (e && e->message) return e->message;
    if (e && e->name) return e->name;
    return std::strerror(r < 0 ? -r : EIO);
}

int64_t usecToUnix(uint64_t usec) { return static_cast<int64_t>(usec / 1'000'000); }

// Reads the variant of one property when it has the expected type, else skips it.
template <class T>
int readVariant(sd_bus_message* m, const char* type, T& out) {
    const char* contents = nullptr;
    int r = sd_bus_message_peek_type(m, nullptr, &contents);
    if (r < 0) return r;
    if (!contents || std::strcmp(contents, type) != 0) return sd_bus_message_skip(m, "v");
    r = sd_bus_message_enter_container(m, 'v', type);
    if (r < 0) return r;
    r = sd_bus_message_read_basic(m, type[0], &out);
    if (r < 0) return r;
    return sd_bus_message_exit_container(m);
}

int readString(sd_bus_message* m, std::string& out) {
    const char* s = nullptr;
    int r = readVariant(m, "s", s);
    if (r >= 0 && s) out = printable(s);
    return r;
}

// A session's a{sv} of properties, whole (GetAll) or the changed part (PropertiesChanged).
int readProperties(sd_bus_message* m, Entry& e, std::string& tty, std::string& display, std::string& seat) {
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r < 0) return r;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* name = nullptr;
        if ((r = sd_bus_message_read_basic(m, 's', &name)) < 0) return r;
        std::string_view n = name;
        int b = 0;
        if (n == "Name") r = readString(m, e.session.user);
        else if (n == "Id") r = readString(m, e.session.id);
        else if (n == "TTY") r = readString(m, tty);
        else if (n == "Display") r = readString(m, display);
        else if (n == "RemoteHost") r = readString(m, e.session.host);
        else if (n == "Class") r = readString(m, e.session_class);
        else if (n == "Leader") {
            uint32_t pid = 0;
            r = readVariant(m, "u", pid);
            e.session.pid = static_cast<int32_t>(pid);
        } else if (n == "Timestamp") {
            uint64_t usec = 0;
            r = readVariant(m, "t", usec);
            e.session.start_unix = usecToUnix(usec);
        } else if (n == "IdleHint") {
            r = readVariant(m, "b", b);
            e.idle_hint = b != 0;
        } else if (n == "IdleSinceHint") r = readVariant(m, "t", e.idle_since_usec);
        else if (n == "IdleSinceHintMonotonic") r = readVariant(m, "t", e.idle_since_monotonic_usec);
        else if (n == "Seat") {
            // (so): the seat's name and object path; "" when the session has no seat (ssh).
            r = sd_bus_message_enter_container(m, 'v', "(so)");
            if (r > 0) {
                const char* id = nullptr;
                const char* path = nullptr;
                if ((r = sd_bus_message_read(m, "(so)", &id, &path)) >= 0) seat = printable(id);
                if (r >= 0) r = sd_bus_message_exit_container(m);
            } else if (r == 0 || r == -ENXIO) r = sd_bus_message_skip(m, "v");
        } else r = sd_bus_message_skip(m, "v");
        if (r < 0) return r;
        if ((r = sd_bus_message_exit_container(m)) < 0) return r;
    }
    if (r < 0) return r;
    return sd_bus_message_exit_container(m);
}

// The same fields utmp gives: a tty where there is one, else the X display, else the seat; the
// remote host for a remote logon, else the X display (as the display managers write utmp).
void fillWhere(Entry& e, const std::string& tty, const std::string& display, const std::string& seat) {
    if (!tty.empty() || !display.empty() || !seat.empty())
        e.session.line = !tty.empty() ? tty : !display.empty() ? display : seat;
    if (e.session.host.empty() && !display.empty()) e.session.host = display;
}

struct Message {
    sd_bus_message* m = nullptr;
    ~Message() { sd_bus_message_unref(m); }
};

struct Error {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    ~Error() { sd_bus_error_free(&e); }
};

}  // namespace

std::unique_ptr<LogindSessionMonitor> LogindSessionMonitor::create(boost::asio::any_io_executor executor,
                                                                   SessionFiles files, std::string& why) {
    auto bus = SystemBus::open(executor, why);
    if (!bus) {
        why = "no system bus (" + why + ")";
        return nullptr;
    }
    sd_bus_set_method_call_timeout(bus->get(), kCallTimeoutUsec);
    std::unique_ptr<LogindSessionMonitor> self(new LogindSessionMonitor(executor, std::move(files), std::move(bus)));
    // These few calls wait for their answers: they run once, before the agent's first policy.
    Error err;
    Message reply;
    int r = sd_bus_call_method(self->bus_->get(), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetNameOwner", &err.e, &reply.m, "s", kLogind);
    const char* owner = nullptr;
    if (r < 0 || sd_bus_message_read(reply.m, "s", &owner) < 0 || !owner) {
        why = "the system bus has no logind (" + errorText(&err.e, r) + ")";
        return nullptr;
    }
    self->owner_ = owner;
    if (!self->subscribe(why) || !self->listSessions(why)) return nullptr;
    return self;
}

LogindSessionMonitor::LogindSessionMonitor(boost::asio::any_io_executor executor, SessionFiles files,
                                           std::unique_ptr<SystemBus> bus)
    : bus_(std::move(bus)), failed_(executor, files) {}

LogindSessionMonitor::~LogindSessionMonitor() {
    for (auto* s : matches_) sd_bus_slot_unref(s);
}

bool LogindSessionMonitor::subscribe(std::string& why) {
    // Before the list, so that a session that appears in between is not missed.
    auto add = [&](const std::string& rule, sd_bus_message_handler_t handler) {
        sd_bus_slot* slot = nullptr;
        int r = sd_bus_add_match(bus_->get(), &slot, rule.c_str(), handler, this);
        if (r < 0) {
            why = "cannot follow logind's signals (" + std::string(std::strerror(-r)) + ")";
            return false;
        }
        matches_.push_back(slot);
        return true;
    };
    const std::string manager = "type='signal',path='" + std::string(kManagerPath) + "',interface='" + kManager + "',";
    return add(manager + "member='SessionNew'", &onSessionNew) &&
           add(manager + "member='SessionRemoved'", &onSessionRemoved) &&
           add("type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
               "path_namespace='/org/freedesktop/login1/session',arg0='" + std::string(kSessionInterface) + "'",
               &onPropertiesChanged) &&
           add("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
               "member='NameOwnerChanged',arg0='" + std::string(kLogind) + "'",
               &onOwnerChanged);
}

bool LogindSessionMonitor::listSessions(std::string& why) {
    Error err;
    Message reply;
    int r = sd_bus_call_method(bus_->get(), kLogind, kManagerPath, kManager, "ListSessions", &err.e, &reply.m, "");
    if (r < 0) {
        why = "logind did not list its sessions (" + errorText(&err.e, r) + ")";
        return false;
    }
    std::vector<std::pair<std::string, std::string>> listed;
    if ((r = sd_bus_message_enter_container(reply.m, 'a', "(susso)")) < 0) return false;
    const char *id, *user, *seat, *path;
    uint32_t uid;
    while ((r = sd_bus_message_read(reply.m, "(susso)", &id, &uid, &user, &seat, &path)) > 0) listed.emplace_back(id, path);
    for (const auto& [sid, spath] : listed) {
        Error e;
        Message props;
        if (sd_bus_call_method(bus_->get(), kLogind, spath.c_str(), "org.freedesktop.DBus.Properties", "GetAll", &e.e,
                               &props.m, "s", kSessionInterface) < 0)
            continue;  // closed in the meantime
        Entry entry;
        entry.path = spath;
        std::string tty, display, seat_name;
        if (readProperties(props.m, entry, tty, display, seat_name) < 0) continue;
        fillWhere(entry, tty, display, seat_name);
        if (entry.session.id.empty()) entry.session.id = sid;
        if (entry.session_class == "user") sessions_[sid] = std::move(entry);
    }
    return true;
}

void LogindSessionMonitor::start(Listener listener) {
    listener_ = std::move(listener);
    failed_.start([this](const Session& s, int64_t when, const std::string& position) {
        if (listener_) listener_(SessionChange{SessionChange::Kind::LogonFailed, s, when, position});
    });
}

std::vector<Session> LogindSessionMonitor::active() const {
    std::vector<Session> out;
    for (const auto& [id, e] : sessions_) out.push_back(e.session);
    return out;
}

std::optional<std::chrono::milliseconds> LogindSessionMonitor::idle(const Session& session) const {
    auto it = sessions_.find(session.id);
    if (it == sessions_.end()) return std::nullopt;
    const Entry& e = it->second;
    if (!e.idle_hint) return std::chrono::milliseconds(0);
    // The monotonic time where logind gives it: a wall clock that is set does not age the hint.
    clockid_t clock = e.idle_since_monotonic_usec ? CLOCK_MONOTONIC : CLOCK_REALTIME;
    uint64_t since = e.idle_since_monotonic_usec ? e.idle_since_monotonic_usec : e.idle_since_usec;
    timespec now{};
    ::clock_gettime(clock, &now);
    uint64_t now_usec = static_cast<uint64_t>(now.tv_sec) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
    return std::chrono::milliseconds(now_usec > since ? (now_usec - since) / 1000 : 0);
}

void LogindSessionMonitor::callManager(const char* method, const std::string& id, SystemBus::Reply reply) {
    Message call;
    int r = sd_bus_message_new_method_call(bus_->get(), &call.m, kLogind, kManagerPath, kManager, method);
    if (r >= 0) r = sd_bus_message_append(call.m, "s", id.c_str());
    if (r < 0) {
        sd_bus_error e = SD_BUS_ERROR_MAKE_CONST(SD_BUS_ERROR_FAILED, std::strerror(-r));
        return reply(nullptr, &e);
    }
    bus_->call(call.m, std::move(reply));
}

bool LogindSessionMonitor::lock(const Session& session, LockDone done) {
    if (!sessions_.count(session.id)) return false;
    callManager("LockSession", session.id, [done](sd_bus_message*, const sd_bus_error* e) {
        if (e && sd_bus_error_is_set(e)) done(false, "logind LockSession failed: " + errorText(e));
        else done(true, "logind LockSession");
    });
    return true;
}

bool LogindSessionMonitor::logoff(const Session& session) {
    if (!sessions_.count(session.id)) return false;
    std::string who = session.user + " (session " + session.id + ")";
    callManager("TerminateSession", session.id, [who](sd_bus_message*, const sd_bus_error* e) {
        if (e && sd_bus_error_is_set(e)) Log::warn("sessions: logind did not end the session of " + who + ": " + errorText(e));
    });
    return true;
}

bool LogindSessionMonitor::fromLogind(sd_bus_message* m) const {
    const char* sender = sd_bus_message_get_sender(m);
    return sender && owner_ == sender;
}

void LogindSessionMonitor::fetch(const std::string& id, const std::string& path, bool announce) {
    Message call;
    if (sd_bus_message_new_method_call(bus_->get(), &call.m, kLogind, path.c_str(), "org.freedesktop.DBus.Properties",
                                       "GetAll") < 0 ||
        sd_bus_message_append(call.m, "s", kSessionInterface) < 0)
        return;
    bus_->call(call.m, [this, id, path, announce](sd_bus_message* reply, const sd_bus_error* e) {
        if ((e && sd_bus_error_is_set(e)) || !reply) return;  // gone again before it could be read
        Entry entry;
        entry.path = path;
        std::string tty, display, seat;
        if (readProperties(reply, entry, tty, display, seat) < 0) {
            Log::warn("sessions: logind's properties of session " + id + " could not be read");
            return;
        }
        fillWhere(entry, tty, display, seat);
        entry.session.id = id;
        if (entry.session_class != "user" || sessions_.count(id)) return;
        Session s = entry.session;
        sessions_[id] = std::move(entry);
        if (announce) report(SessionChange::Kind::Logon, s, s.start_unix);
    });
}

int LogindSessionMonitor::onSessionNew(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<LogindSessionMonitor*>(userdata);
    const char *id = nullptr, *path = nullptr;
    if (!self->fromLogind(m) || sd_bus_message_read(m, "so", &id, &path) < 0) return 0;
    // The signal names the session only: who and where come from its properties.
    if (!self->sessions_.count(id)) self->fetch(id, path, true);
    return 0;
}

int LogindSessionMonitor::onSessionRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<LogindSessionMonitor*>(userdata);
    const char *id = nullptr, *path = nullptr;
    if (!self->fromLogind(m) || sd_bus_message_read(m, "so", &id, &path) < 0) return 0;
    auto it = self->sessions_.find(id);
    if (it == self->sessions_.end()) return 0;
    Session s = it->second.session;
    self->sessions_.erase(it);
    self->report(SessionChange::Kind::Logoff, s, static_cast<int64_t>(::time(nullptr)));
    return 0;
}

int LogindSessionMonitor::onPropertiesChanged(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<LogindSessionMonitor*>(userdata);
    const char* path = sd_bus_message_get_path(m);
    const char* interface = nullptr;
    if (!self->fromLogind(m) || !path || sd_bus_message_read(m, "s", &interface) < 0) return 0;
    for (auto& [id, e] : self->sessions_) {
        if (e.path != path) continue;
        // Only the hints are taken from here; who and where do not change during a session.
        Entry changed = e;
        std::string tty, display, seat;
        if (readProperties(m, changed, tty, display, seat) >= 0) {
            e.idle_hint = changed.idle_hint;
            e.idle_since_usec = changed.idle_since_usec;
            e.idle_since_monotonic_usec = changed.idle_since_monotonic_usec;
        }
        break;
    }
    return 0;
}

int LogindSessionMonitor::onOwnerChanged(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<LogindSessionMonitor*>(userdata);
    const char *name = nullptr, *old_owner = nullptr, *new_owner = nullptr;
    const char* sender = sd_bus_message_get_sender(m);
    if (!sender || std::strcmp(sender, "org.freedesktop.DBus") != 0) return 0;
    if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0) return 0;
    // A restarted logind keeps its sessions; it is the same service under a new unique name.
    self->owner_ = new_owner ? new_owner : "";
    if (self->owner_.empty())
        Log::warn("sessions: logind has left the system bus; logons and logoffs are not seen until it is back");
    return 0;
}

void LogindSessionMonitor::report(SessionChange::Kind kind, const Session& s, int64_t when) {
    if (listener_) listener_(SessionChange{kind, s, when});
}

}  // namespace mamori::platform
