// The two parsers of what the kernel and devices send: uevents and raw USB descriptors.
#include <gtest/gtest.h>

#include <string>

#include "platform/linux/UeventParser.h"
#include "platform/linux/UsbDescriptorParser.h"

namespace {

using mamori::platform::UeventParser;
using mamori::platform::UsbDescriptorParser;
using namespace std::string_literals;

std::string uevent(const std::string& action, const std::string& devpath, const std::string& extra = "") {
    return action + "@" + devpath + "\0ACTION="s + action + "\0DEVPATH="s + devpath + "\0SUBSYSTEM=usb\0"s +
           "DEVTYPE=usb_device\0SEQNUM=1234\0"s + extra;
}

TEST(UeventParser, ReadsAKernelAddEvent) {
    auto ev = UeventParser::parse(uevent("add", "/devices/pci0000:00/0000:00:04.0/usb2/2-1", "PRODUCT=46f4/1/0\0"s));
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->action, "add");
    EXPECT_EQ(ev->subsystem, "usb");
    EXPECT_EQ(ev->devtype, "usb_device");
    EXPECT_EQ(ev->name(), "2-1");
    EXPECT_EQ(ev->var("PRODUCT"), "46f4/1/0");
    EXPECT_EQ(ev->var("MISSING"), "");
}

TEST(UeventParser, RefusesUdevRebroadcasts) {
    EXPECT_FALSE(UeventParser::parse("libudev\0\xfe\xed\xca\xfe"s + std::string(40, '\0')));
}

TEST(UeventParser, RefusesAHeaderThatContradictsTheFields) {
    auto d = uevent("add", "/devices/usb2/2-1");
    d.replace(0, 3, "rem");  // "rem@..." while ACTION=add
    EXPECT_FALSE(UeventParser::parse(d));
}

TEST(UeventParser, RefusesMalformedInput) {
    EXPECT_FALSE(UeventParser::parse(""));
    EXPECT_FALSE(UeventParser::parse("add@/devices/x"));           // no terminator
    EXPECT_FALSE(UeventParser::parse("add@/devices/x\0"s));        // no ACTION/DEVPATH
    EXPECT_FALSE(UeventParser::parse("@\0ACTION=\0DEVPATH=\0"s));  // empty everything
    EXPECT_FALSE(UeventParser::parse(uevent("add", "relative/2-1")));
    EXPECT_FALSE(UeventParser::parse(uevent("add", "/devices/../../etc")));
    EXPECT_FALSE(UeventParser::parse(std::string(5000, 'a')));
}

TEST(UeventParser, SkipsFieldsWithoutAValue) {
    auto ev = UeventParser::parse(uevent("remove", "/devices/usb1/1-1.2", "JUNK\0=x\0\0"s));
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->name(), "1-1.2");
}

// A QEMU usb-storage stick: device descriptor, one configuration, one bulk-only interface.
std::string stick() {
    std::string d = "\x12\x01\x00\x02\x00\x00\x00\x40\xf4\x46\x01\x00\x00\x00\x01\x02\x03\x01"s;
    d += "\x09\x02\x20\x00\x01\x01\x00\x80\x32"s;
    d += "\x09\x04\x00\x00\x02\x08\x06\x50\x00"s;
    d += "\x07\x05\x81\x02\x00\x02\x00"s + "\x07\x05\x02\x02\x00\x02\x00"s;
    return d;
}

TEST(UsbDescriptorParser, ReadsAStick) {
    auto d = UsbDescriptorParser::parse(stick());
    ASSERT_TRUE(d);
    EXPECT_EQ(d->vendor_id, 0x46f4);
    EXPECT_EQ(d->product_id, 0x0001);
    ASSERT_EQ(d->interfaces.size(), 1u);
    EXPECT_EQ(d->interfaces[0].cls, 0x08);
    EXPECT_EQ(d->interfaces[0].subclass, 0x06);
    EXPECT_EQ(d->interfaces[0].protocol, 0x50);
}

TEST(UsbDescriptorParser, ReadsEveryInterfaceOfACompositeDeviceOnceEach) {
    std::string d = "\x12\x01\x00\x02\x00\x00\x00\x40\x6b\x1d\x04\x01\x00\x00\x01\x02\x03\x01"s;
    d += "\x09\x02\x2b\x00\x02\x01\x00\x80\x32"s;
    d += "\x09\x04\x00\x00\x01\x03\x01\x01\x00"s;  // boot keyboard
    d += "\x09\x21\x11\x01\x00\x01\x22\x3f\x00"s;  // HID class descriptor
    d += "\x09\x04\x01\x00\x02\x08\x06\x50\x00"s;  // storage
    d += "\x09\x04\x01\x01\x02\x08\x06\x50\x00"s;  // its alternate setting: not a new interface
    d += "\x07\x05\x81\x02\x00\x02\x00"s;
    auto p = UsbDescriptorParser::parse(d);
    ASSERT_TRUE(p);
    ASSERT_EQ(p->interfaces.size(), 2u);
    EXPECT_EQ(p->interfaces[0].cls, 0x03);
    EXPECT_EQ(p->interfaces[1].cls, 0x08);
}

TEST(UsbDescriptorParser, RefusesABrokenDeviceDescriptor) {
    EXPECT_FALSE(UsbDescriptorParser::parse(""));
    EXPECT_FALSE(UsbDescriptorParser::parse(stick().substr(0, 17)));
    auto d = stick();
    d[0] = 0x11;
    EXPECT_FALSE(UsbDescriptorParser::parse(d));
    d = stick();
    d[1] = 0x02;
    EXPECT_FALSE(UsbDescriptorParser::parse(d));
}

TEST(UsbDescriptorParser, StopsAtAZeroLengthOrOverrunningDescriptor) {
    auto d = stick();
    d[18 + 9] = 0;  // the interface descriptor claims length 0
    auto p = UsbDescriptorParser::parse(d);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->interfaces.empty());
    d = stick();
    d[18 + 9] = static_cast<char>(0xff);  // claims more than there is
    p = UsbDescriptorParser::parse(d);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->interfaces.empty());
    p = UsbDescriptorParser::parse(stick().substr(0, 18 + 9 + 5));  // truncated mid-interface
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->interfaces.empty());
}

}  // namespace
