#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "agent/ExceptionScope.h"
#include "mamori/platform/UsbBus.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::agent {

// What the USB policy says about one device.
struct UsbDecision {
    mamori::v1::UsbAction action = mamori::v1::BLOCK;  // for the device as a whole
    std::string rule_id;          // the rule that decided (for a composite device, the blocking one)
    bool whole_device = false;    // a registered device or an exception: every interface gets action
    bool partial = false;         // some interfaces allowed, others blocked (keyboard + storage)
    bool exempted = false;        // an approved exception (例外措置) decided
    bool matched_without_serial = false;
    bool read_only = false;       // block devices under it are made read-only
    // A registered stick (媒体管理台帳) decided: whose it is and who approved it, for its events.
    std::string owner_section;
    std::string approved_by;

    bool operator==(const UsbDecision&) const = default;
};

// The USB part of a policy as a decision function: an exception in force for this terminal
// first, then a registered device (vendor:product + serial, optionally the port), then the class
// rules per interface (first match wins), then the default. Pure: the time is an argument.
// A device is decided when it is plugged in, whoever is logged on, so an exception limited to a
// user never applies here (the loader refuses one; this is the agent's own check).
class UsbRules {
public:
    struct InterfaceVerdict {
        mamori::v1::UsbAction action = mamori::v1::BLOCK;
        std::string rule_id;
    };

    UsbRules(const mamori::v1::Policy& policy, ExceptionScope scope);

    bool monitor() const { return policy_.usb().mode() == mamori::v1::MONITOR; }
    UsbDecision decide(const mamori::platform::UsbDeviceInfo& device, int64_t now_unix) const;
    // For a device decided by its interfaces: the verdict on one of them.
    InterfaceVerdict forInterface(uint8_t cls, uint8_t subclass, uint8_t protocol) const;
    // The first instant after now_unix at which an exception or a registration expires.
    std::optional<int64_t> nextExpiry(int64_t now_unix) const;

    // "YYYY-MM-DD" of now_unix in the terminal's time zone, as registrations' expiry dates are.
    static std::string localDate(int64_t now_unix);

private:
    const mamori::v1::PolicyException* exceptionFor(const mamori::platform::UsbDeviceInfo& d, int64_t now) const;
    const mamori::v1::UsbDevice* registrationFor(const mamori::platform::UsbDeviceInfo& d, int64_t now) const;

    mamori::v1::Policy policy_;
    ExceptionScope scope_;
};

}  // namespace mamori::agent
