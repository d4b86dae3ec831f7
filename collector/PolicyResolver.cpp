#include "collector/PolicyResolver.h"

#include <algorithm>
#include <stdexcept>

#include "mamori/policy/UsbDeviceId.h"

namespace mamori::collector {

std::optional<PolicyRecord> PolicyResolver::forGroup(const std::string& group) {
    auto it = by_group_.find(group);
    if (it != by_group_.end()) return it->second;
    auto policy = policies_.latestPolicy(group);
    if (!policy) policy = policies_.latestPolicy(kDefaultGroup);
    return by_group_.emplace(group, std::move(policy)).first->second;
}

std::optional<PolicyResolver::Delivery> PolicyResolver::forTerminal(const TerminalRecord& terminal,
                                                                     int64_t now_unix) {
    auto policy = forGroup(terminal.group);
    if (!policy) return std::nullopt;
    Delivery d;
    d.policy = std::move(*policy);
    d.terminal = terminal.id;
    d.group = terminal.group;
    d.version = std::max(d.policy.version, terminal.policy_reissue_version);
    // A revocation takes a version of its own so that the policy without the exception is newer
    // than the one with it; only the active ones are delivered.
    for (auto& e : exceptions_.exceptionsFor(terminal.id, terminal.group, now_unix)) {
        d.version = std::max(d.version, e.version);
        if (e.state == "active") d.exceptions.push_back(std::move(e));
    }
    // The same for the ledger: a retirement takes a version so the policy without the stick is newer.
    for (auto& m : media_.mediaFor(terminal.id, terminal.group, now_unix)) {
        d.version = std::max(d.version, m.version);
        if (m.state == "active") d.media.push_back(std::move(m));
    }
    return d;
}

mamori::v1::Policy PolicyResolver::compose(const Delivery& d) {
    mamori::v1::Policy policy;
    if (!policy.ParseFromString(d.policy.policy))
        throw std::runtime_error("stored policy " + std::to_string(d.policy.version) + " is unreadable");
    // A profile may carry exceptions for some of the terminals it goes to: each terminal gets
    // only those naming it or its group. One without a scope (a profile stored before scopes were
    // required) names nobody.
    auto* listed = policy.mutable_exceptions();
    listed->erase(std::remove_if(listed->begin(), listed->end(),
                                 [&](const mamori::v1::PolicyException& e) {
                                     return !(!e.terminal().empty() && e.terminal() == d.terminal) &&
                                            !(!e.group().empty() && e.group() == d.group);
                                 }),
                  listed->end());
    for (const auto& e : d.exceptions) {
        if (!policy.add_exceptions()->ParseFromString(e.exception))
            throw std::runtime_error("stored exception " + e.id + " is unreadable");
    }
    auto* devices = policy.mutable_usb()->mutable_devices();
    for (const auto& m : d.media) {
        const mamori::v1::UsbDevice ledger = registeredDevice(m);
        if (const int listed = sameStick(policy.usb(), ledger); listed >= 0) {
            if (stricter(devices->Get(listed).action(), ledger.action())) continue;
            devices->erase(devices->begin() + listed);
        }
        *devices->Add() = ledger;
    }
    policy.set_version(d.version);
    policy.set_group(d.group);
    return policy;
}

mamori::v1::UsbDevice PolicyResolver::registeredDevice(const MediaRecord& m) {
    const auto id = mamori::policy::UsbDeviceId::parse(m.device);
    if (!id) throw std::runtime_error("media ledger entry " + m.id + " has an unreadable device: " + id.why);
    mamori::v1::UsbDevice u;
    u.set_id(m.id);
    u.set_vendor_id(id.id->vendor());
    u.set_product_id(id.id->product());
    u.set_serial(id.id->serial().value_or(""));
    u.set_action(m.access == "read-write" ? mamori::v1::ALLOW : mamori::v1::ALLOW_READONLY);
    u.set_owner_section(m.owner_section);
    u.set_approved_by(m.approved_by);
    u.set_expires(m.until);
    u.set_description(m.purpose);
    return u;
}

int PolicyResolver::sameStick(const mamori::v1::UsbPolicy& usb, const mamori::v1::UsbDevice& device) {
    for (int i = 0; i < usb.devices_size(); ++i) {
        const auto& d = usb.devices(i);
        if (d.vendor_id() == device.vendor_id() && d.product_id() == device.product_id() && d.serial() == device.serial())
            return i;
    }
    return -1;
}

bool PolicyResolver::stricter(mamori::v1::UsbAction a, mamori::v1::UsbAction b) {
    // As the agent reads them: anything but the two allows blocks.
    auto rank = [](mamori::v1::UsbAction x) { return x == mamori::v1::ALLOW ? 0 : x == mamori::v1::ALLOW_READONLY ? 1 : 2; };
    return rank(a) > rank(b);
}

}  // namespace mamori::collector
