#include <X11/Xlib.h>
#include <X11/extensions/scrnsaver.h>
#include <X11/extensions/sync.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstring>
#include <mutex>

#include "mamori/platform/LocalDisplay.h"
#include "mamori/common/Log.h"

namespace mamori::platform {

namespace {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;

// Xlib's defaults print and exit the whole process on any X error. A display that goes away
// (the user logged out and its server stopped) must cost the agent that display, nothing more.
int ignoreProtocolError(::Display* dpy, XErrorEvent* e) {
    char text[128] = {};
    XGetErrorText(dpy, e->error_code, text, sizeof text - 1);
    Log::debug(std::string("X error on ") + DisplayString(dpy) + ": " + text);
    return 0;
}

int quietIoError(::Display*) { return 0; }

// An X server: idle time from the MIT-SCREEN-SAVER extension, the next input from a SYNC
// alarm on the server's IDLETIME counter (the server tells us; nothing is polled), all over
// the display connection's descriptor on the agent's reactor.
class XLocalDisplay final : public LocalDisplay {
public:
    XLocalDisplay(asio::any_io_executor executor, std::string name, ::Display* dpy)
        : executor_(executor), name_(std::move(name)), dpy_(dpy), fd_(executor, ConnectionNumber(dpy)) {
        XSetIOErrorExitHandler(dpy_, &XLocalDisplay::connectionLost, this);
        int error_base = 0, major = 0, minor = 0;
        if (XSyncQueryExtension(dpy_, &sync_event_base_, &error_base) && XSyncInitialize(dpy_, &major, &minor)) {
            int n = 0;
            XSyncSystemCounter* counters = XSyncListSystemCounters(dpy_, &n);
            for (int i = 0; i < n; ++i)
                if (std::strcmp(counters[i].name, "IDLETIME") == 0) idle_counter_ = counters[i].counter;
            if (counters) XSyncFreeSystemCounterList(counters);
        }
        wait();
    }

    ~XLocalDisplay() override {
        fd_.release();  // XCloseDisplay closes the socket
        if (!broken_ && alarm_ != None) XSyncDestroyAlarm(dpy_, alarm_);
        XSetIOErrorExitHandler(dpy_, [](::Display*, void*) {}, nullptr);  // this object is going away
        XCloseDisplay(dpy_);
    }

    const std::string& name() const override { return name_; }

    std::optional<std::chrono::milliseconds> idle() override {
        if (broken_) return std::nullopt;
        XScreenSaverInfo info{};
        Status ok = XScreenSaverQueryInfo(dpy_, DefaultRootWindow(dpy_), &info);
        dispatch();
        if (broken_ || !ok) return std::nullopt;
        return std::chrono::milliseconds(info.idle);
    }

    std::optional<std::chrono::seconds> screenSaverTimeout() override {
        if (broken_) return std::nullopt;
        int timeout = 0, interval = 0, blanking = 0, exposures = 0;
        XGetScreenSaver(dpy_, &timeout, &interval, &blanking, &exposures);
        dispatch();
        if (broken_) return std::nullopt;
        return std::chrono::seconds(timeout);
    }

    bool waitForInput(std::function<void()> onInput) override {
        if (broken_ || idle_counter_ == None) return false;
        cancelWait();
        auto now = idle();
        if (!now) return false;
        // Fires when IDLETIME drops below its present value, which only input does. Queried
        // again afterwards: input between the query and the alarm would otherwise go unseen.
        XSyncAlarmAttributes attr{};
        attr.trigger.counter = idle_counter_;
        attr.trigger.value_type = XSyncAbsolute;
        attr.trigger.test_type = XSyncNegativeTransition;
        XSyncIntToValue(&attr.trigger.wait_value, static_cast<int>(std::max<int64_t>(now->count(), 1)));
        XSyncIntToValue(&attr.delta, 0);
        attr.events = True;
        alarm_ = XSyncCreateAlarm(dpy_, XSyncCACounter | XSyncCAValueType | XSyncCATestType | XSyncCAValue |
                                            XSyncCADelta | XSyncCAEvents,
                                  &attr);
        on_input_ = std::move(onInput);
        XFlush(dpy_);
        auto after = idle();
        if (after && *after < *now) inputSeen();
        return !broken_;
    }

    void cancelWait() override {
        on_input_ = nullptr;
        if (alarm_ != None && !broken_) XSyncDestroyAlarm(dpy_, alarm_);
        alarm_ = None;
        if (!broken_) XFlush(dpy_);
    }

    void onClosed(std::function<void()> closed) override { on_closed_ = std::move(closed); }

private:
    static void connectionLost(::Display*, void* self) { static_cast<XLocalDisplay*>(self)->broken_ = true; }

    void wait() {
        fd_.async_wait(Descriptor::wait_read, [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
            if (ec || !alive.lock()) return;
            XEventsQueued(dpy_, QueuedAfterReading);  // reads the socket; notices a closed connection
            dispatch();
            if (alive.lock() && !broken_) wait();
        });
    }

    // Handles events Xlib has queued, whether read just now or while waiting for a reply.
    void dispatch() {
        auto alive = std::weak_ptr<int>(alive_);
        while (!broken_ && XEventsQueued(dpy_, QueuedAlready) > 0) {
            XEvent ev;
            XNextEvent(dpy_, &ev);
            if (ev.type == sync_event_base_ + XSyncAlarmNotify &&
                reinterpret_cast<XSyncAlarmNotifyEvent*>(&ev)->alarm == alarm_) {
                inputSeen();
                if (!alive.lock()) return;
            }
        }
        if (broken_ && !closed_reported_) {
            closed_reported_ = true;
            // Posted: the owner typically destroys this display in response.
            asio::post(executor_, [this, alive] {
                if (alive.lock() && on_closed_) on_closed_();
            });
        }
    }

    void inputSeen() {
        if (alarm_ != None) XSyncDestroyAlarm(dpy_, alarm_);
        alarm_ = None;
        XFlush(dpy_);
        if (auto f = std::exchange(on_input_, nullptr)) {
            asio::post(executor_, [f = std::move(f), alive = std::weak_ptr<int>(alive_)] {
                if (alive.lock()) f();
            });
        }
    }

    asio::any_io_executor executor_;
    std::string name_;
    ::Display* dpy_;
    Descriptor fd_;
    bool broken_ = false;
    bool closed_reported_ = false;
    int sync_event_base_ = 0;
    XSyncCounter idle_counter_ = None;
    XSyncAlarm alarm_ = None;
    std::function<void()> on_input_;
    std::function<void()> on_closed_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace

std::unique_ptr<LocalDisplay> openLocalDisplay(asio::any_io_executor executor, const std::string& name) {
    static std::once_flag handlers;
    std::call_once(handlers, [] {
        XSetErrorHandler(ignoreProtocolError);
        XSetIOErrorHandler(quietIoError);
    });
    ::Display* dpy = XOpenDisplay(name.c_str());
    if (!dpy) return nullptr;
    int event_base = 0, error_base = 0;
    if (!XScreenSaverQueryExtension(dpy, &event_base, &error_base)) {
        Log::warn("display " + name + " has no MIT-SCREEN-SAVER extension: its idle time cannot be read");
        XCloseDisplay(dpy);
        return nullptr;
    }
    return std::make_unique<XLocalDisplay>(executor, name, dpy);
}

}  // namespace mamori::platform
