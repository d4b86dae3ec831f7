#pragma once
#include <boost/asio/system_timer.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "agent/Control.h"
#include "agent/ControlContext.h"
#include "agent/UsbRules.h"
#include "mamori/platform/UsbBus.h"

namespace mamori::agent {

// Removable media (REQUIREMENTS §1): no data leaves on a stick that is not registered.
//
// Fail-safe first: at start every root hub is told to leave new devices and interfaces
// unauthorized, so a stick plugged while the agent is dead stays without a driver. Each arrival
// is then decided by UsbRules and enforced per interface (a keyboard with built-in storage keeps
// its keys). Devices already present are decided like new ones, except that at the very first
// start the keyboards, mice and hubs then in use are recorded as a baseline and always kept: a
// policy must never lock the user out of the terminal. A policy change, or an exception or
// registration reaching its expiry (one timer, at the earliest), decides every present device
// again; a revoked stick is de-authorized at once. In monitor mode everything is authorized and
// each would-be block is reported as a violation.
class UsbControl final : public Control {
public:
    UsbControl(ControlContext ctx, std::unique_ptr<mamori::platform::UsbBus> bus);
    ~UsbControl() override;
    // On this machine's sysfs and uevent socket (roots from the agent configuration).
    static std::unique_ptr<UsbControl> create(ControlContext ctx);

    const char* name() const override { return "usb"; }
    bool check(const mamori::v1::Policy& policy, std::string& why) override;
    void apply(const mamori::v1::Policy& policy) override;
    // Reads a present device as an arrival would and judges it, without acting on the verdict.
    void warm() override;

private:
    struct Tracked {
        mamori::platform::UsbDeviceInfo info;
        UsbDecision decision;
        bool baseline = false;
    };

    void start();
    void onChange(const mamori::platform::UsbChange& change);
    void arrived(const std::string& name, bool at_start);
    void left(const std::string& name);
    void resynchronize();
    void reevaluate();
    void enforce(Tracked& t);
    void report(const Tracked& t, mamori::v1::EventType type);
    void reportDecision(const Tracked& t);
    // The person at the terminal, about a stick refused or write-protected (UserNotice).
    void tellUser(const Tracked& t, mamori::v1::EventType type);
    void loadBaseline();
    void saveBaseline() const;
    void scheduleExpiry();
    int64_t nowUnix() const;

    ControlContext ctx_;
    std::unique_ptr<mamori::platform::UsbBus> bus_;
    std::unique_ptr<UsbRules> rules_;
    std::map<std::string, Tracked> present_;
    std::set<std::string> baseline_;  // "name vvvv:pppp:serial" of the first start's HID and hubs
    bool baseline_known_ = false;
    bool started_ = false;
    boost::asio::system_timer expiry_;
};

}  // namespace mamori::agent
