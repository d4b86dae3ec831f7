#pragma once
#include <systemd/sd-bus.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>

namespace mamori::platform {

// A connection to the D-Bus system bus (sd-bus) on the agent's reactor: the bus socket is
// watched for the directions sd-bus asks for and its next timeout is a timer, so replies and
// signals are dispatched on the agent's thread as they arrive, with no thread of its own.
// sd-bus honours DBUS_SYSTEM_BUS_ADDRESS, which is how tests bring their own bus.
class SystemBus {
public:
    // nullptr, with the reason in why, when there is no system bus to connect to.
    static std::unique_ptr<SystemBus> open(boost::asio::any_io_executor executor, std::string& why);
    ~SystemBus();
    SystemBus(const SystemBus&) = delete;
    SystemBus& operator=(const SystemBus&) = delete;

    sd_bus* get() const { return bus_; }

    // Sends a method call built on get(); reply runs on the reactor with the answer, or with
    // the error (a timeout included). Never runs once this connection is gone.
    using Reply = std::function<void(sd_bus_message* reply, const sd_bus_error* error)>;
    void call(sd_bus_message* call, Reply reply);

    // Call after queueing a message (an asynchronous call): sends it and waits for what sd-bus
    // now expects, from the reactor rather than from inside the caller.
    void wake();

private:
    SystemBus(boost::asio::any_io_executor executor, sd_bus* bus);
    void process();
    void arm();

    boost::asio::any_io_executor executor_;
    sd_bus* bus_;
    boost::asio::posix::stream_descriptor socket_;
    boost::asio::steady_timer timer_;
    bool reading_ = false, writing_ = false, woken_ = false;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mamori::platform
