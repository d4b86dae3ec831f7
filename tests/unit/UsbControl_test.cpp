// The USB control against a fake bus that behaves like the kernel's authorization switches.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "agent/ExceptionScope.h"
#include "agent/UsbControl.h"
#include "agent/UsbRules.h"
#include "fakes/FakeUsbBus.h"
#include "fakes/ManualClock.h"
#include "tests/support/JournalProbe.h"

namespace {

namespace v1 = mamori::v1;
using mamori::agent::AgentConfig;
using mamori::agent::ControlContext;
using mamori::agent::UsbControl;
using mamori::agent::UsbRules;
using mamori::platform::UsbDeviceInfo;
using mamori::platform::UsbInterfaceInfo;

UsbDeviceInfo device(const std::string& name, uint16_t vid, uint16_t pid, const char* serial,
                     std::vector<uint8_t> classes) {
    UsbDeviceInfo d;
    d.name = name;
    d.vendor_id = vid;
    d.product_id = pid;
    d.has_serial = serial != nullptr;
    d.serial = serial ? serial : "";
    d.product = "test device";
    d.descriptors_valid = true;
    uint8_t n = 0;
    for (auto c : classes) d.declared_interfaces.push_back(UsbInterfaceInfo{"", n++, c, 0, 0, false});
    return d;
}

const uint16_t kVendor = 0x46f4, kStick = 0x0001;

// This terminal, MN-012 in the tax section, as the collector signs its policy.
const mamori::agent::ExceptionScope kHere("MN-012", "税務課");

// An approved USB exception as the collector (or a profile) sends it.
v1::PolicyException* usbException(v1::Policy& p, const char* id, const std::string& device, int64_t expires) {
    auto* e = p.add_exceptions();
    e->set_id(id);
    e->set_control(v1::USB);
    e->set_terminal("MN-012");
    e->set_usb_device(device);
    e->set_usb_action(v1::ALLOW_READONLY);
    e->set_expires_unix(expires);
    return e;
}

// The shipped profile's shape: HID and hubs allowed, storage blocked, default block.
v1::Policy cityPolicy(v1::Mode mode = v1::ENFORCE) {
    v1::Policy p;
    auto* u = p.mutable_usb();
    u->set_mode(mode);
    u->set_default_action(v1::BLOCK);
    auto rule = [&](const char* id, uint32_t cls, v1::UsbAction a) {
        auto* r = u->add_class_rules();
        r->set_id(id);
        r->set_interface_class(cls);
        r->set_interface_subclass(-1);
        r->set_interface_protocol(-1);
        r->set_action(a);
    };
    rule("hid", 0x03, v1::ALLOW);
    rule("hub", 0x09, v1::ALLOW);
    rule("mass-storage", 0x08, v1::BLOCK);
    return p;
}

void registerStick(v1::Policy& p, const char* id, const std::string& serial, v1::UsbAction a) {
    auto* d = p.mutable_usb()->add_devices();
    d->set_id(id);
    d->set_vendor_id(kVendor);
    d->set_product_id(kStick);
    d->set_serial(serial);
    d->set_action(a);
}

TEST(UsbRules, ARegistrationsOwnerAndApproverAreInItsDecision) {
    auto p = cityPolicy();
    registerStick(p, "LG-1", "AAA1", v1::ALLOW_READONLY);
    p.mutable_usb()->mutable_devices(0)->set_owner_section("市民課");
    p.mutable_usb()->mutable_devices(0)->set_approved_by("情報政策課長");
    UsbRules rules(p, kHere);
    auto d = rules.decide(device("2-1", kVendor, kStick, "AAA1", {0x08}), 0);
    EXPECT_EQ(d.owner_section, "市民課");
    EXPECT_EQ(d.approved_by, "情報政策課長");
    auto other = rules.decide(device("2-1", kVendor, kStick, "BBB2", {0x08}), 0);
    EXPECT_EQ(other.owner_section, "");
    EXPECT_EQ(other.approved_by, "");
}

TEST(UsbRules, RegisteredSerialAllowsAndAnotherSerialOfTheSameModelIsBlocked) {
    auto p = cityPolicy();
    registerStick(p, "LG-1", "AAA1", v1::ALLOW);
    UsbRules rules(p, kHere);
    auto ok = rules.decide(device("2-1", kVendor, kStick, "AAA1", {0x08}), 0);
    EXPECT_EQ(ok.action, v1::ALLOW);
    EXPECT_EQ(ok.rule_id, "LG-1");
    EXPECT_FALSE(ok.matched_without_serial);
    auto other = rules.decide(device("2-1", kVendor, kStick, "BBB2", {0x08}), 0);
    EXPECT_EQ(other.action, v1::BLOCK);
    EXPECT_EQ(other.rule_id, "mass-storage");
}

TEST(UsbRules, AStickWithoutSerialMatchesOnlyAnEntryWithoutSerialAndSaysSo) {
    auto p = cityPolicy();
    registerStick(p, "with-serial", "AAA1", v1::ALLOW);
    UsbRules rules(p, kHere);
    EXPECT_EQ(rules.decide(device("2-1", kVendor, kStick, nullptr, {0x08}), 0).action, v1::BLOCK);
    registerStick(p, "no-serial", "", v1::ALLOW_READONLY);
    UsbRules rules2(p, kHere);
    auto d = rules2.decide(device("2-1", kVendor, kStick, nullptr, {0x08}), 0);
    EXPECT_EQ(d.action, v1::ALLOW_READONLY);
    EXPECT_TRUE(d.matched_without_serial);
    EXPECT_TRUE(d.read_only);
    EXPECT_EQ(rules2.decide(device("2-1", kVendor, kStick, "AAA1", {0x08}), 0).rule_id, "with-serial");
}

TEST(UsbRules, PortAndExpiryNarrowARegistration) {
    auto p = cityPolicy();
    registerStick(p, "LG-1", "AAA1", v1::ALLOW);
    p.mutable_usb()->mutable_devices(0)->set_port("1-1.2");
    p.mutable_usb()->mutable_devices(0)->set_expires("2026-03-31");
    UsbRules rules(p, kHere);
    const int64_t before = 1767225600;  // 2026-01-01
    EXPECT_EQ(rules.decide(device("1-1.2", kVendor, kStick, "AAA1", {0x08}), before).action, v1::ALLOW);
    EXPECT_EQ(rules.decide(device("2-1", kVendor, kStick, "AAA1", {0x08}), before).action, v1::BLOCK);
    const int64_t after = 1780272000;  // 2026-06-01
    EXPECT_EQ(rules.decide(device("1-1.2", kVendor, kStick, "AAA1", {0x08}), after).action, v1::BLOCK);
    ASSERT_TRUE(rules.nextExpiry(before));
    EXPECT_GT(*rules.nextExpiry(before), before);
    EXPECT_FALSE(rules.nextExpiry(after));
}

TEST(UsbRules, AnExceptionInForceDecidesUntilItExpires) {
    auto p = cityPolicy();
    usbException(p, "EX-7", "46f4:0001:CCC3", 2000);
    UsbRules rules(p, kHere);
    auto d = rules.decide(device("2-1", kVendor, kStick, "CCC3", {0x08}), 1000);
    EXPECT_EQ(d.action, v1::ALLOW_READONLY);
    EXPECT_TRUE(d.exempted);
    EXPECT_EQ(d.rule_id, "EX-7");
    EXPECT_EQ(rules.decide(device("2-1", kVendor, kStick, "CCC3", {0x08}), 2000).action, v1::BLOCK);
    EXPECT_EQ(*rules.nextExpiry(1000), 2000);
}

// Regression: an exception typed with capitals ("46F4:...", as some ledgers print ids) never
// matched, because the agent compared its own lowercase text with it.
TEST(UsbRules, AnExceptionsDeviceIdIsReadWhateverItsCase) {
    auto p = cityPolicy();
    usbException(p, "EX-8", "46F4:0001:CCC3", 2000);
    UsbRules rules(p, kHere);
    EXPECT_TRUE(rules.decide(device("2-1", kVendor, kStick, "CCC3", {0x08}), 1000).exempted);
    // The serial is the device's own, byte for byte: another case is another stick.
    EXPECT_FALSE(rules.decide(device("2-1", kVendor, kStick, "ccc3", {0x08}), 1000).exempted);
}

TEST(UsbRules, AnExceptionWithoutSerialNamesOnlyADeviceWithoutOne) {
    auto p = cityPolicy();
    usbException(p, "EX-9", "46f4:0001", 2000);
    UsbRules rules(p, kHere);
    const auto d = rules.decide(device("2-1", kVendor, kStick, nullptr, {0x08}), 1000);
    EXPECT_TRUE(d.exempted);
    EXPECT_TRUE(d.matched_without_serial);
    EXPECT_EQ(rules.decide(device("2-1", kVendor, kStick, "ANY1", {0x08}), 1000).action, v1::BLOCK);
}

TEST(UsbRules, AnExceptionForAnotherTerminalOrGroupIsIgnored) {
    auto p = cityPolicy();
    usbException(p, "EX-OTHER", "46f4:0001:AAA1", 2000)->set_terminal("MN-013");
    auto* group = usbException(p, "EX-GROUP", "46f4:0001:BBB2", 2000);
    group->clear_terminal();
    group->set_group("市民課");
    auto* mine = usbException(p, "EX-MINE", "46f4:0001:CCC3", 2000);
    mine->clear_terminal();
    mine->set_group("税務課");
    UsbRules rules(p, kHere);
    EXPECT_EQ(rules.decide(device("2-1", kVendor, kStick, "AAA1", {0x08}), 1000).rule_id, "mass-storage");
    EXPECT_EQ(rules.decide(device("2-1", kVendor, kStick, "BBB2", {0x08}), 1000).rule_id, "mass-storage");
    EXPECT_EQ(rules.decide(device("2-1", kVendor, kStick, "CCC3", {0x08}), 1000).rule_id, "EX-MINE");
    // Nor does another terminal's expiry wake this one.
    EXPECT_EQ(*rules.nextExpiry(1000), 2000);
    usbException(p, "EX-OTHER-SOONER", "46f4:0001:DDD4", 1500)->set_terminal("MN-013");
    EXPECT_EQ(*UsbRules(p, kHere).nextExpiry(1000), 2000);
}

TEST(UsbRules, AnExceptionLimitedToAUserNeverAppliesToADevice) {
    auto p = cityPolicy();
    usbException(p, "EX-USER", "46f4:0001:CCC3", 2000)->set_user("tanaka");
    EXPECT_EQ(UsbRules(p, kHere).decide(device("2-1", kVendor, kStick, "CCC3", {0x08}), 1000).action, v1::BLOCK);
}

TEST(UsbRules, ACompositeKeyboardKeepsItsKeysAndLosesItsStorage) {
    UsbRules rules(cityPolicy(), kHere);
    auto d = rules.decide(device("1-1", 0x1d6b, 0x0104, "K1", {0x03, 0x08}), 0);
    EXPECT_EQ(d.action, v1::ALLOW);
    EXPECT_TRUE(d.partial);
    EXPECT_EQ(d.rule_id, "mass-storage");
    EXPECT_EQ(rules.forInterface(0x03, 1, 1).action, v1::ALLOW);
    EXPECT_EQ(rules.forInterface(0x08, 6, 0x50).action, v1::BLOCK);
    EXPECT_EQ(rules.forInterface(0xe0, 1, 1).rule_id, "default");
}

TEST(UsbRules, UnreadableDescriptorsAreBlocked) {
    UsbRules rules(cityPolicy(), kHere);
    auto d = device("2-1", kVendor, kStick, "X", {});
    d.descriptors_valid = false;
    EXPECT_EQ(rules.decide(d, 0).action, v1::BLOCK);
}

class UsbControlTest : public ::testing::Test {
protected:
    UsbControlTest() : probe_(clock_) {
        config_.state_dir = probe_.dir();
        auto bus = std::make_unique<mamori::test::FakeUsbBus>();
        bus_ = bus.get();
        control_ = std::make_unique<UsbControl>(
            ControlContext{io_.get_executor(), probe_.sink(), clock_, config_, {}, {}, kHere.terminalId()}, std::move(bus));
    }
    void apply(const v1::Policy& p) {
        std::string why;
        ASSERT_TRUE(control_->check(p, why)) << why;
        control_->apply(p);
    }
    size_t count(v1::EventType t) const { return probe_.events(t).size(); }

    boost::asio::io_context io_;
    mamori::test::ManualClock clock_;
    mamori::test::JournalProbe probe_;
    AgentConfig config_;
    mamori::test::FakeUsbBus* bus_ = nullptr;
    std::unique_ptr<UsbControl> control_;
};

TEST_F(UsbControlTest, AnUnregisteredStickStaysUnauthorizedAndIsReported) {
    apply(cityPolicy());
    EXPECT_TRUE(bus_->blockedNew());
    bus_->plug(device("2-1", kVendor, kStick, "ZZZ9", {0x08}));
    EXPECT_FALSE(bus_->at("2-1").authorized);
    EXPECT_EQ(count(v1::USB_ATTACHED), 1u);
    auto blocked = probe_.events(v1::USB_BLOCKED);
    ASSERT_EQ(blocked.size(), 1u);
    EXPECT_TRUE(blocked[0].violation());
    EXPECT_EQ(blocked[0].outcome(), v1::ENFORCED);
    EXPECT_EQ(blocked[0].rule_id(), "mass-storage");
    EXPECT_EQ(blocked[0].usb().serial(), "ZZZ9");
    EXPECT_EQ(blocked[0].usb().port(), "2-1");
    ASSERT_EQ(blocked[0].usb().interface_classes_size(), 1);
    EXPECT_EQ(blocked[0].usb().interface_classes(0), 0x08u);
    bus_->unplug("2-1");
    EXPECT_EQ(count(v1::USB_DETACHED), 1u);
}

// After memory is given back, the decision path is walked once: a device read and judged, and
// nothing done with the verdict.
TEST_F(UsbControlTest, WarmingReadsAndJudgesAPresentDeviceAndChangesNothing) {
    control_->warm();  // before any policy: nothing to judge by
    EXPECT_EQ(bus_->reads(), 0);
    apply(cityPolicy());
    bus_->plug(device("2-1", kVendor, kStick, "ZZZ9", {0x08}));
    const auto reads = bus_->reads();
    const auto events = probe_.events().size();

    control_->warm();

    EXPECT_EQ(bus_->reads(), reads + 1);
    EXPECT_FALSE(bus_->at("2-1").authorized);
    EXPECT_EQ(bus_->wholeAuthorizations(), 0);
    EXPECT_EQ(bus_->interfaceWrites(), 0);
    EXPECT_EQ(probe_.events().size(), events) << "a warming is no decision and is not journaled";
}

TEST_F(UsbControlTest, ARegisteredStickWorksAndAReadOnlyOneIsArmedBeforeItsDriverBinds) {
    auto p = cityPolicy();
    registerStick(p, "LG-1", "AAA1", v1::ALLOW);
    registerStick(p, "LG-2", "RRR2", v1::ALLOW_READONLY);
    apply(p);
    bus_->plug(device("2-1", kVendor, kStick, "AAA1", {0x08}));
    EXPECT_TRUE(bus_->at("2-1").authorized);
    EXPECT_TRUE(bus_->interfaceAuthorized("2-1", 0));
    EXPECT_FALSE(bus_->readOnly("2-1"));
    bus_->plug(device("2-2", kVendor, kStick, "RRR2", {0x08}));
    EXPECT_TRUE(bus_->interfaceAuthorized("2-2", 0));
    EXPECT_TRUE(bus_->readOnly("2-2"));
    EXPECT_EQ(count(v1::USB_ALLOWED), 1u);
    EXPECT_EQ(count(v1::USB_ALLOWED_READONLY), 1u);
    // Left to the kernel, as usbguard does: one write each, no interface written on its own.
    EXPECT_EQ(bus_->wholeAuthorizations(), 2);
    EXPECT_EQ(bus_->interfaceWrites(), 0);
}

// A stick let in by an exception is reported as EXEMPTED under the exception's id, so the
// collector can show which approval it was; one for another terminal lets nothing in.
TEST_F(UsbControlTest, AnExemptedStickIsReportedUnderItsExceptionAndAnotherTerminalsIsNot) {
    const int64_t in_a_day = clock_.utcNs() / 1'000'000'000 + 86400;
    auto p = cityPolicy();
    p.set_group("税務課");
    usbException(p, "EX-2025-014", "46f4:0001:MINE1", in_a_day);
    auto* group = usbException(p, "EX-2025-015", "46f4:0001:GROUP2", in_a_day);
    group->clear_terminal();
    group->set_group("税務課");
    usbException(p, "EX-2025-016", "46f4:0001:OTHER3", in_a_day)->set_terminal("MN-013");
    apply(p);
    bus_->plug(device("2-1", kVendor, kStick, "MINE1", {0x08}));
    bus_->plug(device("2-2", kVendor, kStick, "GROUP2", {0x08}));
    bus_->plug(device("2-3", kVendor, kStick, "OTHER3", {0x08}));
    EXPECT_TRUE(bus_->interfaceAuthorized("2-1", 0));
    EXPECT_TRUE(bus_->readOnly("2-1"));  // read-only unless the exception says read-write
    EXPECT_TRUE(bus_->interfaceAuthorized("2-2", 0));
    EXPECT_FALSE(bus_->at("2-3").authorized);
    auto exempted = probe_.events(v1::USB_ALLOWED_READONLY);
    ASSERT_EQ(exempted.size(), 2u);
    EXPECT_EQ(exempted[0].outcome(), v1::EXEMPTED);
    EXPECT_EQ(exempted[0].rule_id(), "EX-2025-014");
    EXPECT_EQ(exempted[1].outcome(), v1::EXEMPTED);
    EXPECT_EQ(exempted[1].rule_id(), "EX-2025-015");
    auto blocked = probe_.events(v1::USB_BLOCKED);
    ASSERT_EQ(blocked.size(), 1u);
    EXPECT_EQ(blocked[0].rule_id(), "mass-storage");
    EXPECT_EQ(blocked[0].usb().serial(), "OTHER3");
}

// 媒体管理台帳: the events about a registered stick say whose it is and who approved it.
TEST_F(UsbControlTest, ARegisteredSticksEventsNameItsOwnerAndApprover) {
    auto p = cityPolicy();
    registerStick(p, "LG-1", "AAA1", v1::ALLOW);
    registerStick(p, "LG-2", "RRR2", v1::ALLOW_READONLY);
    for (auto& d : *p.mutable_usb()->mutable_devices()) {
        d.set_owner_section(d.id() == "LG-1" ? "市民課" : "税務課");
        d.set_approved_by("情報政策課長");
    }
    apply(p);
    bus_->plug(device("2-1", kVendor, kStick, "AAA1", {0x08}));
    bus_->plug(device("2-2", kVendor, kStick, "RRR2", {0x08}));
    bus_->plug(device("2-3", kVendor, kStick, "ZZZ9", {0x08}));
    auto allowed = probe_.events(v1::USB_ALLOWED);
    ASSERT_EQ(allowed.size(), 1u);
    EXPECT_EQ(allowed[0].usb().owner_section(), "市民課");
    EXPECT_EQ(allowed[0].usb().approved_by(), "情報政策課長");
    auto read_only = probe_.events(v1::USB_ALLOWED_READONLY);
    ASSERT_EQ(read_only.size(), 1u);
    EXPECT_EQ(read_only[0].usb().owner_section(), "税務課");
    EXPECT_EQ(read_only[0].usb().approved_by(), "情報政策課長");
    auto blocked = probe_.events(v1::USB_BLOCKED);
    ASSERT_EQ(blocked.size(), 1u);  // not registered: nobody's
    EXPECT_EQ(blocked[0].usb().owner_section(), "");
    EXPECT_EQ(blocked[0].usb().approved_by(), "");
}

TEST_F(UsbControlTest, ACompositeDeviceGetsItsHidInterfaceOnly) {
    apply(cityPolicy());
    bus_->plug(device("1-1", 0x1d6b, 0x0104, "K1", {0x03, 0x08}));
    EXPECT_TRUE(bus_->at("1-1").authorized);
    EXPECT_TRUE(bus_->interfaceAuthorized("1-1", 0));
    EXPECT_FALSE(bus_->interfaceAuthorized("1-1", 1));
    EXPECT_EQ(count(v1::USB_BLOCKED), 1u);
    EXPECT_EQ(bus_->wholeAuthorizations(), 0);  // its storage must never meet its driver
}

// A device the kernel was left to bind whole is decided per interface once a newer policy
// blocks part of it: the storage goes, the keys stay.
TEST_F(UsbControlTest, AWholeDeviceLosesThePartANewerPolicyBlocks) {
    auto open = cityPolicy();
    open.mutable_usb()->mutable_class_rules(2)->set_action(v1::ALLOW);
    apply(open);
    bus_->plug(device("1-1", 0x1d6b, 0x0104, "K1", {0x03, 0x08}));
    EXPECT_EQ(bus_->wholeAuthorizations(), 1);
    EXPECT_TRUE(bus_->interfaceAuthorized("1-1", 0));
    EXPECT_TRUE(bus_->interfaceAuthorized("1-1", 1));
    apply(cityPolicy());
    EXPECT_TRUE(bus_->at("1-1").authorized);
    EXPECT_TRUE(bus_->interfaceAuthorized("1-1", 0));
    EXPECT_FALSE(bus_->interfaceAuthorized("1-1", 1));
    EXPECT_EQ(count(v1::USB_BLOCKED), 1u);
}

// The names a person knows a device by are read after it is authorized, not before: no
// decision needs them, and a person is waiting for the stick. Its records still carry them,
// and so does a later decision on the same device.
TEST_F(UsbControlTest, ADevicesNamesAreReadAfterItsAuthorizationAndKeptForLaterDecisions) {
    auto p = cityPolicy();
    registerStick(p, "LG-1", "AAA1", v1::ALLOW);
    apply(p);
    auto stick = device("2-1", kVendor, kStick, "AAA1", {0x08});
    stick.manufacturer = "Acme";
    bus_->plug(stick);
    EXPECT_EQ(bus_->wholeAuthorizations(), 1);
    EXPECT_EQ(bus_->describesBeforeWhole(), 0);
    EXPECT_EQ(bus_->describes(), 1);
    auto attached = probe_.events(v1::USB_ATTACHED);
    ASSERT_EQ(attached.size(), 1u);
    EXPECT_EQ(attached[0].usb().manufacturer(), "Acme");
    EXPECT_EQ(attached[0].usb().product(), "test device");
    apply(cityPolicy());  // the registration revoked: decided again, not described again
    auto blocked = probe_.events(v1::USB_BLOCKED);
    ASSERT_EQ(blocked.size(), 1u);
    EXPECT_EQ(blocked[0].usb().manufacturer(), "Acme");
    EXPECT_EQ(blocked[0].usb().product(), "test device");
    EXPECT_EQ(bus_->describes(), 1);
}

TEST_F(UsbControlTest, MonitorModeBlocksNothingAndReportsTheWouldBeBlock) {
    apply(cityPolicy(v1::MONITOR));
    bus_->plug(device("2-1", kVendor, kStick, "ZZZ9", {0x08}));
    EXPECT_TRUE(bus_->at("2-1").authorized);
    EXPECT_TRUE(bus_->interfaceAuthorized("2-1", 0));
    auto allowed = probe_.events(v1::USB_ALLOWED);
    ASSERT_EQ(allowed.size(), 1u);
    EXPECT_TRUE(allowed[0].violation());
    EXPECT_EQ(allowed[0].outcome(), v1::MONITORED);
    EXPECT_EQ(count(v1::USB_BLOCKED), 0u);
}

TEST_F(UsbControlTest, ARevokedRegistrationDeauthorizesTheStickAtOnce) {
    auto p = cityPolicy();
    registerStick(p, "LG-1", "AAA1", v1::ALLOW);
    apply(p);
    bus_->plug(device("2-1", kVendor, kStick, "AAA1", {0x08}));
    ASSERT_TRUE(bus_->at("2-1").authorized);
    apply(cityPolicy());
    EXPECT_FALSE(bus_->at("2-1").authorized);
    EXPECT_EQ(count(v1::USB_BLOCKED), 1u);
}

TEST_F(UsbControlTest, FirstStartKeepsKeyboardsAsBaselineAndEvaluatesAStickLikeAnyOther) {
    bus_->present(device("1-1", 0x046d, 0xc31c, "KB", {0x03}));
    bus_->present(device("2-1", kVendor, kStick, "ZZZ9", {0x08}));
    auto p = cityPolicy();
    p.mutable_usb()->mutable_class_rules(0)->set_action(v1::BLOCK);  // even a policy that blocks HID
    apply(p);
    EXPECT_TRUE(bus_->at("1-1").authorized);
    EXPECT_FALSE(bus_->at("2-1").authorized);
    auto allowed = probe_.events(v1::USB_ALLOWED);
    ASSERT_EQ(allowed.size(), 1u);
    EXPECT_EQ(allowed[0].rule_id(), "baseline");
}

TEST_F(UsbControlTest, RapidPlugCyclesGiveOneDecisionEach) {
    apply(cityPolicy());
    for (int i = 0; i < 20; ++i) {
        bus_->plug(device("2-1", kVendor, kStick, "ZZZ9", {0x08}));
        bus_->unplug("2-1");
    }
    EXPECT_EQ(count(v1::USB_ATTACHED), 20u);
    EXPECT_EQ(count(v1::USB_BLOCKED), 20u);
    EXPECT_EQ(count(v1::USB_DETACHED), 20u);
}

}  // namespace
