#include "agent/UsbControl.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent/UserNotice.h"
#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace v1 = mamori::v1;
using mamori::platform::UsbChange;
using mamori::platform::UsbDeviceInfo;

namespace {

constexpr uint8_t kHid = 0x03, kHub = 0x09;

std::string identity(const UsbDeviceInfo& d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04x:%04x:", d.vendor_id, d.product_id);
    return d.name + " " + buf + d.serial;
}

// Only what a person needs to work: keyboards, mice and the hubs they hang on.
bool onlyInputAndHubs(const UsbDeviceInfo& d) {
    const auto& ifs = d.interfaces.empty() ? d.declared_interfaces : d.interfaces;
    if (ifs.empty()) return d.device_class == kHub;
    for (const auto& i : ifs)
        if (i.cls != kHid && i.cls != kHub) return false;
    return true;
}

bool allowed(v1::UsbAction a) { return a == v1::ALLOW || a == v1::ALLOW_READONLY; }

// A tracked device read again: the same device on the same port, so its names (which device()
// does not read) stay as described when it arrived.
void refresh(UsbDeviceInfo& known, UsbDeviceInfo fresh) {
    fresh.manufacturer = std::move(known.manufacturer);
    fresh.product = std::move(known.product);
    known = std::move(fresh);
}

}  // namespace

UsbControl::UsbControl(ControlContext ctx, std::unique_ptr<mamori::platform::UsbBus> bus)
    : ctx_(std::move(ctx)), bus_(std::move(bus)), expiry_(ctx_.executor) {}

UsbControl::~UsbControl() = default;

std::unique_ptr<UsbControl> UsbControl::create(ControlContext ctx) {
    auto bus = mamori::platform::sysfsUsbBus(ctx.executor, ctx.config.usb_sysfs_root.string(),
                                             ctx.config.usb_dev_root.string());
    return std::make_unique<UsbControl>(ctx, std::move(bus));
}

bool UsbControl::check(const v1::Policy& policy, std::string& why) {
    for (const auto& r : policy.usb().class_rules()) {
        if (r.interface_class() > 0xff) {
            why = "class rule " + r.id() + " names interface class " + std::to_string(r.interface_class()) +
                  ", beyond 0xff";
            return false;
        }
    }
    return true;
}

void UsbControl::apply(const v1::Policy& policy) {
    rules_ = std::make_unique<UsbRules>(policy, ExceptionScope(ctx_.terminal_id, policy));
    if (!started_) {
        start();
    } else {
        reevaluate();
    }
    scheduleExpiry();
}

void UsbControl::warm() {
    if (!rules_ || present_.empty()) return;
    if (auto info = bus_->device(present_.begin()->first)) (void)rules_->decide(*info, nowUnix());
}

int64_t UsbControl::nowUnix() const { return ctx_.clock.utcNs() / 1'000'000'000; }

void UsbControl::start() {
    started_ = true;
    // Before anything else: from here on nothing new gets a driver without a decision.
    const int hubs = bus_->blockNewDevices();
    Log::info("usb: new devices start unauthorized on " + std::to_string(hubs) + " root hub(s)");
    try {
        bus_->watch([this](const UsbChange& c) { onChange(c); });
    } catch (const std::exception& e) {
        // Without USB in the kernel there is nothing to watch, and nothing can be plugged.
        Log::warn(std::string("usb: not watching arrivals: ") + e.what());
    }
    loadBaseline();
    for (const auto& d : bus_->enumerate()) {
        if (!baseline_known_ && d.authorized && onlyInputAndHubs(d)) baseline_.insert(identity(d));
    }
    if (!baseline_known_) {
        saveBaseline();
        baseline_known_ = true;
    }
    for (const auto& d : bus_->enumerate()) arrived(d.name, true);
}

void UsbControl::onChange(const UsbChange& c) {
    if (!rules_) return;
    switch (c.kind) {
        case UsbChange::Kind::Added:
            // A remove we never heard of: the port now holds another device.
            if (present_.count(c.name)) left(c.name);
            arrived(c.name, false);
            break;
        case UsbChange::Kind::Removed:
            left(c.name);
            break;
        case UsbChange::Kind::Lost:
            resynchronize();
            break;
        case UsbChange::Kind::RootHubAdded:
            if (c.blocked)
                Log::info("usb: new root hub " + c.name + ": new devices start unauthorized");
            else
                Log::error("usb: new root hub " + c.name + " could not be switched to deny new devices");
            break;
    }
}

void UsbControl::arrived(const std::string& name, bool at_start) {
    auto info = bus_->device(name);
    if (!info) return;  // already gone again
    Tracked t;
    t.info = std::move(*info);
    t.baseline = baseline_.count(identity(t.info)) > 0;
    if (t.baseline) {
        t.decision.action = v1::ALLOW;
        t.decision.rule_id = "baseline";
        t.decision.whole_device = true;
    } else {
        t.decision = rules_->decide(t.info, nowUnix());
    }
    // The decision first, its records right after: a person waits for the stick, and each
    // journaled event costs an fsync. Nothing is lost by the order: the fail-safe default keeps a
    // blocked device blocked whatever happens, and an agent killed between the two re-decides
    // (and records) every present device when it starts again.
    enforce(t);
    bus_->describe(t.info);
    if (!at_start) report(t, v1::USB_ATTACHED);
    reportDecision(t);
    present_[name] = std::move(t);
}

void UsbControl::left(const std::string& name) {
    auto it = present_.find(name);
    if (it == present_.end()) return;
    bus_->keepReadOnly(name, false);
    report(it->second, v1::USB_DETACHED);
    present_.erase(it);
}

void UsbControl::resynchronize() {
    Log::warn("usb: the kernel dropped device events; reading the buses again");
    std::map<std::string, UsbDeviceInfo> now;
    for (auto& d : bus_->enumerate()) now[d.name] = std::move(d);
    std::vector<std::string> gone;
    for (const auto& [name, t] : present_) {
        auto it = now.find(name);
        if (it == now.end() || identity(it->second) != identity(t.info)) gone.push_back(name);
    }
    for (const auto& n : gone) left(n);
    for (const auto& [name, d] : now)
        if (!present_.count(name)) arrived(name, false);
}

void UsbControl::reevaluate() {
    for (auto& [name, t] : present_) {
        if (t.baseline) continue;
        auto fresh = bus_->device(name);
        if (!fresh) continue;  // its remove event is on the way
        auto decision = rules_->decide(*fresh, nowUnix());
        refresh(t.info, std::move(*fresh));
        if (decision == t.decision) {
            enforce(t);  // the mode may have changed; enforcing the same decision again is harmless
            continue;
        }
        t.decision = decision;
        enforce(t);
        reportDecision(t);
    }
}

void UsbControl::enforce(Tracked& t) {
    const bool monitor = rules_->monitor() && !t.baseline;
    const auto& d = t.decision;
    if (!monitor && !allowed(d.action)) {
        bus_->keepReadOnly(t.info.name, false);
        if (t.info.authorized) bus_->authorizeDevice(t.info.name, false);
        t.info.authorized = false;
        t.info.interfaces.clear();
        return;
    }
    // Read-only is armed before the storage interface gets its driver, so the disk is
    // read-only by the time anything could mount it.
    bus_->keepReadOnly(t.info.name, !monitor && d.read_only);
    // Every interface may be used: the kernel authorizes and binds them itself as it configures
    // the device, as under no control at all, and the stick is ready that much sooner. A device
    // losing part of itself (a keyboard's storage) is configured first and decided per interface.
    const bool every_interface = monitor || d.whole_device || !d.partial;
    if (!t.info.authorized && every_interface) {
        if (!bus_->authorizeWholeDevice(t.info.name)) Log::warn("usb: could not authorize " + t.info.name);
        else t.info.authorized = true;
        return;
    }
    if (!t.info.authorized) {
        if (!bus_->authorizeDevice(t.info.name, true)) {
            Log::warn("usb: could not authorize " + t.info.name);
            return;
        }
        // Configured now: the kernel has created its interfaces (still unauthorized).
        if (auto fresh = bus_->device(t.info.name)) refresh(t.info, std::move(*fresh));
    }
    for (auto& i : t.info.interfaces) {
        bool allow = true;
        if (!monitor && !d.whole_device) allow = allowed(rules_->forInterface(i.cls, i.subclass, i.protocol).action);
        if (allow != i.authorized && bus_->authorizeInterface(i.name, allow)) i.authorized = allow;
    }
}

void UsbControl::report(const Tracked& t, v1::EventType type) {
    v1::EventBody e;
    e.set_type(type);
    e.set_control(v1::USB);
    auto* u = e.mutable_usb();
    u->set_vendor_id(t.info.vendor_id);
    u->set_product_id(t.info.product_id);
    u->set_serial(t.info.serial);
    u->set_manufacturer(t.info.manufacturer);
    u->set_product(t.info.product);
    for (const auto& i : t.info.declared_interfaces.empty() ? t.info.interfaces : t.info.declared_interfaces)
        u->add_interface_classes(i.cls);
    u->set_port(t.info.name);
    u->set_matched_without_serial(t.decision.matched_without_serial);
    if (type != v1::USB_ATTACHED && type != v1::USB_DETACHED) {
        e.set_rule_id(t.decision.rule_id);
        u->set_owner_section(t.decision.owner_section);
        u->set_approved_by(t.decision.approved_by);
        const bool blocks = !allowed(t.decision.action) || t.decision.partial;
        const bool monitor = rules_->monitor() && !t.baseline;
        e.set_violation(blocks);
        if (blocks) e.set_outcome(monitor ? v1::MONITORED : v1::ENFORCED);
        else e.set_outcome(t.decision.exempted ? v1::EXEMPTED : v1::ALLOWED);
    }
    ctx_.sink.emit(std::move(e));
}

void UsbControl::reportDecision(const Tracked& t) {
    const auto& d = t.decision;
    const bool monitor = rules_->monitor() && !t.baseline;
    v1::EventType type = v1::USB_ALLOWED;
    // In monitor mode the device works, so the event says allowed; violation + MONITORED say
    // it would have been blocked.
    if ((!allowed(d.action) || d.partial) && !monitor) type = v1::USB_BLOCKED;
    else if (d.action == v1::ALLOW_READONLY && !monitor) type = v1::USB_ALLOWED_READONLY;
    report(t, type);
    tellUser(t, type);
    Log::info("usb: " + identity(t.info) + " (" + t.info.product + "): " + v1::EventType_Name(type) + " by " +
              d.rule_id + (monitor ? " (monitor)" : "") + (d.matched_without_serial ? ", matched without serial" : ""));
}

void UsbControl::tellUser(const Tracked& t, v1::EventType type) {
    // A device cannot know its user: everyone at the terminal is told. Nothing about the
    // devices that were there at the first start (the keyboard): nobody just plugged them in.
    if (!ctx_.notice || t.baseline || (type != v1::USB_BLOCKED && type != v1::USB_ALLOWED_READONLY)) return;
    std::string name = t.info.manufacturer + (t.info.product.empty() ? "" : " " + t.info.product);
    if (name.empty()) name = identity(t.info);
    if (type == v1::USB_ALLOWED_READONLY)
        ctx_.notice->tell("", "mamori: USB メモリは読み取り専用です / USB stick is read-only",
                          "「" + name + "」は登録された媒体として読み取りのみ使用できます（書き込みはできません）。\n"
                          "This stick is registered for reading only; nothing can be written to it.");
    else if (t.decision.partial)
        ctx_.notice->tell("", "mamori: USB 機器の一部を遮断しました / Part of a USB device blocked",
                          "「" + name + "」の記憶装置などの機能は、この端末では使用できません。\n"
                          "Some functions of this device (storage) may not be used on this terminal.");
    else
        ctx_.notice->tell("", "mamori: USB 機器は使用できません / USB device blocked",
                          "「" + name + "」はこの端末での使用が許可されていません。登録された媒体のみ使用できます。\n"
                          "This USB device is not allowed on this terminal; only registered media may be used.");
}

void UsbControl::loadBaseline() {
    const auto file = ctx_.config.state_dir / "usb-baseline";
    std::ifstream in(file);
    if (!in) return;
    baseline_known_ = true;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) baseline_.insert(line);
}

void UsbControl::saveBaseline() const {
    const auto file = ctx_.config.state_dir / "usb-baseline";
    std::string text;
    for (const auto& b : baseline_) text += b + '\n';
    // Durable: a baseline lost in a power cut would make the next start block the keyboard it
    // had kept. A failure is logged, and the baseline in memory stays in force.
    try {
        common::Files::writeAtomic(file, text, 0600);
    } catch (const std::exception& e) {
        Log::error("usb: cannot save the baseline: " + std::string(e.what()));
    }
    for (const auto& b : baseline_) Log::info("usb: baseline (present at first start, kept): " + b);
}

void UsbControl::scheduleExpiry() {
    expiry_.cancel();
    auto next = rules_->nextExpiry(nowUnix());
    if (!next) return;
    // To the nanosecond, so a revoked stick goes the moment its exception ends; at most an hour
    // ahead, so a wall-clock step is noticed within the hour.
    const int64_t wait_ns = std::min<int64_t>(*next * 1'000'000'000 - ctx_.clock.utcNs(), 3600'000'000'000);
    expiry_.expires_after(std::chrono::nanoseconds(std::max<int64_t>(wait_ns, 0)));
    expiry_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        reevaluate();
        scheduleExpiry();
    });
}

}  // namespace mamori::agent
