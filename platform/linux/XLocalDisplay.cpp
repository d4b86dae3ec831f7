#include <X11/Xauth.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xcb/screensaver.h>
#include <xcb/sync.h>
#include <xcb/xcb.h>
#include <xcb/xcbext.h>  // xcb_poll_for_reply: a reply without blocking

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "SyncSystemCounters.h"
#include "X11Sockets.h"
#include "mamori/common/Log.h"
#include "mamori/platform/LocalDisplay.h"
#include "mamori/platform/UserName.h"

namespace mamori::platform {

namespace {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;
using Steady = std::chrono::steady_clock;

// Anyone may create a socket in /tmp/.X11-unix, and an X client waits for the server without
// a limit. A listener that accepts and never answers would hold the agent that waits for it,
// and with it USB decisions, software control and shutdown. So the connection is made on a
// worker and given up after kConnectDeadline, and a request the server leaves unanswered for
// kAnswerDeadline costs the agent that display. A real server answers in milliseconds.
constexpr auto kConnectDeadline = std::chrono::seconds(3);
constexpr auto kAnswerDeadline = std::chrono::seconds(1);

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};
template <class T>
using Reply = std::unique_ptr<T, FreeDeleter>;

struct Disconnect {
    void operator()(xcb_connection_t* c) const { xcb_disconnect(c); }
};
using Owned = std::unique_ptr<xcb_connection_t, Disconnect>;

// Waits for the reply to request `sequence`, reading the connection meanwhile, until
// `deadline`. nullptr when the server answered with an error, broke the connection or was late.
void* awaitReply(xcb_connection_t* c, unsigned int sequence, Steady::time_point deadline, bool& late) {
    late = false;
    if (xcb_flush(c) <= 0) return nullptr;
    const int fd = xcb_get_file_descriptor(c);
    for (;;) {
        void* reply = nullptr;
        xcb_generic_error_t* error = nullptr;
        // Reads what the socket holds (never blocks): the reply, and any events before it.
        if (xcb_poll_for_reply(c, sequence, &reply, &error)) {
            std::free(error);
            return reply;
        }
        if (xcb_connection_has_error(c)) return nullptr;
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Steady::now());
        if (left.count() <= 0) {
            late = true;
            return nullptr;
        }
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
    }
}

// ":7" or ":7.1": the display number and screen. Only local displays: the agent finds them
// by their sockets.
bool parseName(const std::string& name, std::string& number, int& screen) {
    if (name.size() < 2 || name[0] != ':') return false;
    const size_t dot = name.find('.');
    number = name.substr(1, dot == std::string::npos ? std::string::npos : dot - 1);
    std::string s = dot == std::string::npos ? "0" : name.substr(dot + 1);
    auto digits = [](const std::string& t) {
        return !t.empty() && t.size() <= 6 && t.find_first_not_of("0123456789") == std::string::npos;
    };
    if (!digits(number) || !digits(s)) return false;
    screen = std::stoi(s);
    return true;
}

// The cookie for a local display from XAUTHORITY (or ~/.Xauthority), as xcb_connect would
// find it; none when the server admits local clients without one.
struct Cookie {
    Xauth* auth = nullptr;
    ~Cookie() {
        if (auth) XauDisposeAuth(auth);
    }
    xcb_auth_info_t info{};
    xcb_auth_info_t* find(const std::string& number) {
        char host[256] = {};
        if (::gethostname(host, sizeof host - 1) != 0) return nullptr;
        static const char* kName = "MIT-MAGIC-COOKIE-1";
        char* names[] = {const_cast<char*>(kName)};
        int lengths[] = {static_cast<int>(std::strlen(kName))};
        auth = XauGetBestAuthByAddr(FamilyLocal, static_cast<unsigned short>(std::strlen(host)), host,
                                    static_cast<unsigned short>(number.size()), number.c_str(), 1, names, lengths);
        if (!auth) return nullptr;
        info.namelen = auth->name_length;
        info.name = auth->name;
        info.datalen = auth->data_length;
        info.data = auth->data;
        return &info;
    }
};

// What a connection learned while it was made, on the worker.
struct Connection {
    xcb_window_t root = 0;
    uint8_t sync_event_base = 0;
    xcb_sync_counter_t idle_counter = 0;  // 0 when the server cannot wake the agent on input
};

// An X server: idle time from the MIT-SCREEN-SAVER extension, the next input from a SYNC
// alarm on the server's IDLETIME counter (the server tells us; nothing is polled), all over
// the display connection's descriptor on the agent's reactor.
class XLocalDisplay final : public LocalDisplay {
public:
    XLocalDisplay(asio::any_io_executor executor, std::string name, Connection connection, Owned c)
        : executor_(executor), name_(std::move(name)), x_(connection), owned_(std::move(c)),
          fd_(executor, xcb_get_file_descriptor(owned_.get())) {
        wait();
    }

    ~XLocalDisplay() override {
        fd_.release();  // xcb_disconnect closes the socket, and the server drops the alarm with it
    }

    const std::string& name() const override { return name_; }

    std::optional<std::chrono::milliseconds> idle() override {
        if (broken_) return std::nullopt;
        Reply<xcb_screensaver_query_info_reply_t> info(
            request<xcb_screensaver_query_info_reply_t>(xcb_screensaver_query_info(c(), x_.root).sequence));
        dispatch();
        if (broken_ || !info) return std::nullopt;
        return std::chrono::milliseconds(info->ms_since_user_input);
    }

    std::optional<std::chrono::seconds> screenSaverTimeout() override {
        if (broken_) return std::nullopt;
        Reply<xcb_get_screen_saver_reply_t> saver(request<xcb_get_screen_saver_reply_t>(xcb_get_screen_saver(c()).sequence));
        dispatch();
        if (broken_ || !saver) return std::nullopt;
        return std::chrono::seconds(saver->timeout);
    }

    bool waitForInput(std::function<void()> onInput) override {
        if (broken_ || x_.idle_counter == 0) return false;
        cancelWait();
        auto now = idle();
        if (!now) return false;
        // Fires when IDLETIME drops below its present value, which only input does. Queried
        // again afterwards: input between the query and the alarm would otherwise go unseen.
        const int64_t value = std::max<int64_t>(now->count(), 1);
        xcb_sync_create_alarm_value_list_t attr{};
        attr.counter = x_.idle_counter;
        attr.valueType = XCB_SYNC_VALUETYPE_ABSOLUTE;
        attr.value = {static_cast<int32_t>(value >> 32), static_cast<uint32_t>(value & 0xffffffff)};
        attr.testType = XCB_SYNC_TESTTYPE_NEGATIVE_TRANSITION;
        attr.delta = {0, 0};
        attr.events = 1;
        alarm_ = xcb_generate_id(c());
        xcb_sync_create_alarm_aux(c(), alarm_,
                                  XCB_SYNC_CA_COUNTER | XCB_SYNC_CA_VALUE_TYPE | XCB_SYNC_CA_VALUE |
                                      XCB_SYNC_CA_TEST_TYPE | XCB_SYNC_CA_DELTA | XCB_SYNC_CA_EVENTS,
                                  &attr);
        on_input_ = std::move(onInput);
        auto after = idle();
        if (after && *after < *now) inputSeen();
        return !broken_;
    }

    void cancelWait() override {
        on_input_ = nullptr;
        if (alarm_ != 0 && !broken_) {
            xcb_sync_destroy_alarm(c(), alarm_);
            xcb_flush(c());
        }
        alarm_ = 0;
    }

    void onClosed(std::function<void()> closed) override { on_closed_ = std::move(closed); }

private:
    xcb_connection_t* c() const { return owned_.get(); }

    template <class R>
    R* request(unsigned int sequence) {
        bool late = false;
        void* reply = awaitReply(c(), sequence, Steady::now() + kAnswerDeadline, late);
        if (late) {
            Log::warn("screen lock: display " + name_ + " did not answer within " +
                      std::to_string(std::chrono::seconds(kAnswerDeadline).count()) + " s; it is dropped");
            broken_ = true;
        }
        if (xcb_connection_has_error(c())) broken_ = true;
        return static_cast<R*>(reply);
    }

    void wait() {
        fd_.async_wait(Descriptor::wait_read, [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
            if (ec || !alive.lock()) return;
            // Reads the socket into xcb's queue; a closed connection shows as an error.
            if (xcb_generic_event_t* ev = xcb_poll_for_event(c())) {
                handle(ev);
                if (!alive.lock()) return;
            }
            dispatch();
            if (alive.lock() && !broken_) wait();
        });
    }

    // Handles events xcb has queued, whether read just now or while waiting for a reply.
    void dispatch() {
        auto alive = std::weak_ptr<int>(alive_);
        if (xcb_connection_has_error(c())) broken_ = true;
        while (!broken_) {
            xcb_generic_event_t* ev = xcb_poll_for_queued_event(c());
            if (!ev) break;
            handle(ev);
            if (!alive.lock()) return;
        }
        if (broken_ && !closed_reported_) {
            closed_reported_ = true;
            // Posted: the owner typically destroys this display in response.
            asio::post(executor_, [this, alive] {
                if (alive.lock() && on_closed_) on_closed_();
            });
        }
    }

    // An error (type 0) is only logged: a display going away must cost the agent that display.
    void handle(xcb_generic_event_t* ev) {
        Reply<xcb_generic_event_t> owned(ev);
        const uint8_t type = ev->response_type & 0x7f;
        if (type == 0) {
            auto* e = reinterpret_cast<xcb_generic_error_t*>(ev);
            Log::debug("X error " + std::to_string(e->error_code) + " on " + name_);
        } else if (x_.sync_event_base != 0 && type == x_.sync_event_base + XCB_SYNC_ALARM_NOTIFY &&
                   reinterpret_cast<xcb_sync_alarm_notify_event_t*>(ev)->alarm == alarm_ && alarm_ != 0) {
            inputSeen();
        }
    }

    void inputSeen() {
        if (alarm_ != 0) {
            xcb_sync_destroy_alarm(c(), alarm_);
            xcb_flush(c());
        }
        alarm_ = 0;
        if (auto f = std::exchange(on_input_, nullptr)) {
            asio::post(executor_, [f = std::move(f), alive = std::weak_ptr<int>(alive_)] {
                if (alive.lock()) f();
            });
        }
    }

    asio::any_io_executor executor_;
    std::string name_;
    Connection x_;
    Owned owned_;
    Descriptor fd_;
    bool broken_ = false;
    bool closed_reported_ = false;
    xcb_sync_alarm_t alarm_ = 0;
    std::function<void()> on_input_;
    std::function<void()> on_closed_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// The socket being connected, shared by the worker and its watchdog: the watchdog shuts it
// down at the deadline (which wakes the worker waiting in xcb) unless the worker finished
// first. A thread of its own rather than a timer on the reactor, so that a stopping agent,
// whose reactor no longer runs while it waits for its workers, is not held either. The guard
// is a duplicate, so that it stays this socket whatever xcb closes.
class Attempt {
public:
    explicit Attempt(std::string name)
        : name_(std::move(name)), watchdog_([this] {
              std::unique_lock lock(mu_);
              if (ended_.wait_for(lock, kConnectDeadline, [this] { return finished_; })) return;
              expired_ = true;
              if (guard_ >= 0) ::shutdown(guard_, SHUT_RDWR);
              Log::warn("screen lock: display " + name_ + " did not complete its connection within " +
                        std::to_string(std::chrono::seconds(kConnectDeadline).count()) + " s");
          }) {}
    ~Attempt() {
        finish();
        watchdog_.join();
        if (guard_ >= 0) ::close(guard_);
    }
    // false when the deadline has already passed, or the socket cannot be watched.
    bool watch(int fd) {
        std::lock_guard lock(mu_);
        if (expired_) return false;
        guard_ = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
        return guard_ >= 0;
    }
    // Ends the watch; false when the deadline had passed (the connection is then unusable).
    bool finish() {
        {
            std::lock_guard lock(mu_);
            finished_ = true;
        }
        ended_.notify_all();
        std::lock_guard lock(mu_);
        return !expired_;
    }

private:
    std::string name_;
    std::mutex mu_;
    std::condition_variable ended_;
    int guard_ = -1;
    bool finished_ = false;
    bool expired_ = false;
    std::thread watchdog_;  // last: it starts once the rest is made
};

// The user running the server that accepted `fd`, as the kernel recorded it at listen().
// Anyone may create a display's socket; the agent, as root, talks only to a server of root's
// or of one of `owners` (the users logged on), and runs its lock command against it.
bool trustedServer(int fd, const std::string& name, const std::set<std::string>& owners) {
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) return false;
    if (peer.uid == 0) return true;
    const auto user = userName(peer.uid);
    if (user && owners.count(*user)) return true;
    Log::warn("screen lock: display " + name + " is served by " + (user ? *user : "uid " + std::to_string(peer.uid)) +
              ", who is not logged on here: it is not watched");
    return false;
}

// On the worker: the whole connection, from connect() to the extensions the display needs.
// nullptr (with the reason logged) when the display cannot be used.
Owned connectTo(const std::string& name, const std::set<std::string>& owners, Attempt& attempt, Connection& out) {
    std::string number;
    int screen = 0;
    if (!parseName(name, number, screen)) {
        Log::warn("screen lock: " + name + " is not a local display (:N); it is not watched");
        return nullptr;
    }
    const std::string path = std::string(kX11SocketDir) + "/X" + number;
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return nullptr;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    // Non-blocking: a listener whose queue is full is busy or hostile, not worth a wait.
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        Log::debug("screen lock: cannot connect to " + path + ": " + std::strerror(errno));
        ::close(fd);
        return nullptr;
    }
    if (!trustedServer(fd, name, owners)) {
        ::close(fd);
        return nullptr;
    }
    if (!attempt.watch(fd)) {
        ::close(fd);
        return nullptr;
    }
    Cookie cookie;
    Owned owned(xcb_connect_to_fd(fd, cookie.find(number)));  // owns fd from here
    xcb_connection_t* c = owned.get();
    if (xcb_connection_has_error(c)) return nullptr;
    auto roots = xcb_setup_roots_iterator(xcb_get_setup(c));
    for (int i = 0; roots.rem && i < screen; ++i) xcb_screen_next(&roots);
    if (!roots.rem) {
        Log::warn("screen lock: display " + name + " has no such screen; it is not watched");
        return nullptr;
    }
    out.root = roots.data->root;
    // Both extensions asked at once; the replies are awaited below, within the same deadline.
    xcb_prefetch_extension_data(c, &xcb_screensaver_id);
    xcb_prefetch_extension_data(c, &xcb_sync_id);
    const xcb_query_extension_reply_t* saver = xcb_get_extension_data(c, &xcb_screensaver_id);
    if (!saver || !saver->present) {
        if (!xcb_connection_has_error(c))
            Log::warn("display " + name + " has no MIT-SCREEN-SAVER extension: its idle time cannot be read");
        return nullptr;
    }
    const xcb_query_extension_reply_t* sync = xcb_get_extension_data(c, &xcb_sync_id);
    if (sync && sync->present) {
        Reply<xcb_sync_initialize_reply_t> init(xcb_sync_initialize_reply(c, xcb_sync_initialize(c, 3, 1), nullptr));
        Reply<xcb_sync_list_system_counters_reply_t> counters(
            init ? xcb_sync_list_system_counters_reply(c, xcb_sync_list_system_counters(c), nullptr) : nullptr);
        if (counters) {
            out.sync_event_base = sync->first_event;
            const std::string_view body(reinterpret_cast<const char*>(counters.get() + 1),
                                        size_t{counters->length} * 4);
            out.idle_counter = SyncSystemCounters::find(body, counters->counters_len, "IDLETIME").value_or(0);
        }
    }
    if (xcb_connection_has_error(c)) return nullptr;
    return owned;
}

}  // namespace

void openLocalDisplay(asio::any_io_executor executor, asio::any_io_executor work, const std::string& name,
                      std::set<std::string> owners, DisplayOpened done) {
    asio::post(work, [executor, name, owners = std::move(owners), done = std::move(done)]() mutable {
        Connection x;
        Owned c;
        try {
            Attempt attempt(name);
            c = connectTo(name, owners, attempt, x);
            if (!attempt.finish()) c.reset();  // shut down as it finished: unusable
        } catch (const std::exception& e) {  // no thread for the watchdog: the display waits for the next try
            Log::warn("screen lock: cannot open display " + name + ": " + e.what());
            c.reset();
        }
        asio::post(executor, [executor, name, x, c = std::move(c), done = std::move(done)]() mutable {
            done(c ? std::make_unique<XLocalDisplay>(executor, name, x, std::move(c)) : nullptr);
        });
    });
}

}  // namespace mamori::platform
