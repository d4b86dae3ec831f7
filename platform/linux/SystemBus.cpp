#include "SystemBus.h"

#include <poll.h>

#include <boost/asio/post.hpp>
#include <cstring>

#include "mamori/common/Log.h"

namespace mamori::platform {

std::unique_ptr<SystemBus> SystemBus::open(boost::asio::any_io_executor executor, std::string& why) {
    sd_bus* bus = nullptr;
    int r = sd_bus_open_system(&bus);
    if (r < 0) {
        why = std::strerror(-r);
        return nullptr;
    }
    return std::unique_ptr<SystemBus>(new SystemBus(executor, bus));
}

SystemBus::SystemBus(boost::asio::any_io_executor executor, sd_bus* bus)
    : executor_(executor), bus_(bus), socket_(executor, sd_bus_get_fd(bus)), timer_(executor) {
    arm();
}

SystemBus::~SystemBus() {
    timer_.cancel();
    socket_.cancel();
    socket_.release();  // the descriptor is sd-bus's own; it closes it
    sd_bus_flush_close_unref(bus_);
}

void SystemBus::call(sd_bus_message* call, Reply reply) {
    auto* held = new Reply(std::move(reply));
    sd_bus_slot* slot = nullptr;
    auto handler = [](sd_bus_message* m, void* userdata, sd_bus_error*) -> int {
        const sd_bus_error* e = sd_bus_message_get_error(m);
        (*static_cast<Reply*>(userdata))(m, e);
        return 0;
    };
    int r = sd_bus_call_async(bus_, &slot, call, handler, held, 0);
    if (r < 0) {
        sd_bus_error e = SD_BUS_ERROR_MAKE_CONST(SD_BUS_ERROR_FAILED, std::strerror(-r));
        boost::asio::post(executor_, [held, e, alive = std::weak_ptr<int>(alive_)] {
            if (alive.lock()) (*held)(nullptr, &e);
            delete held;
        });
        return;
    }
    // The slot belongs to the connection and frees the callback with itself: after the reply,
    // or when the connection closes with the call unanswered.
    sd_bus_slot_set_destroy_callback(slot, [](void* userdata) { delete static_cast<Reply*>(userdata); });
    sd_bus_slot_set_floating(slot, 1);
    sd_bus_slot_unref(slot);
    wake();
}

void SystemBus::wake() {
    if (std::exchange(woken_, true)) return;
    boost::asio::post(executor_, [this, alive = std::weak_ptr<int>(alive_)] {
        if (!alive.lock()) return;
        woken_ = false;
        process();
    });
}

void SystemBus::process() {
    // Each call dispatches at most one message: drain what is there, then wait again.
    for (;;) {
        int r = sd_bus_process(bus_, nullptr);
        if (r < 0) {
            Log::warn(std::string("system bus: connection lost (") + std::strerror(-r) + ")");
            return;  // nothing re-armed: the owner's state stays as last known
        }
        if (r == 0) break;
    }
    arm();
}

void SystemBus::arm() {
    int events = sd_bus_get_events(bus_);
    if (events < 0) return;
    auto again = [this, alive = std::weak_ptr<int>(alive_)](bool& pending) {
        return [this, alive, &pending](const boost::system::error_code& ec) {
            if (!alive.lock()) return;
            pending = false;
            if (!ec) process();
        };
    };
    if ((events & POLLIN) && !reading_) {
        reading_ = true;
        socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read, again(reading_));
    }
    if ((events & POLLOUT) && !writing_) {
        writing_ = true;
        socket_.async_wait(boost::asio::posix::stream_descriptor::wait_write, again(writing_));
    }
    uint64_t usec = UINT64_MAX;
    if (sd_bus_get_timeout(bus_, &usec) >= 0 && usec != UINT64_MAX) {
        // An absolute CLOCK_MONOTONIC time, which is what steady_clock is on Linux.
        timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::microseconds(usec)));
        timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
            if (!ec && alive.lock()) process();
        });
    }
}

}  // namespace mamori::platform
