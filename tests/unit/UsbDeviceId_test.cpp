// The one reading of "VID:PID[:SERIAL]": what the loader, the collector and the agent share.
#include "mamori/policy/UsbDeviceId.h"

#include <gtest/gtest.h>

namespace {

using mamori::policy::UsbDeviceId;

bool hasJapanese(const std::string& s) {
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0xE3 && b <= 0xE9) return true;
    }
    return false;
}

TEST(UsbDeviceId, VendorAndProductAreNormalisedAndTheSerialKept) {
    const auto p = UsbDeviceId::parse(" 04BB:0C0A:A1b2C3 ");
    ASSERT_TRUE(p) << p.why;
    EXPECT_EQ(p.id->vendor(), 0x04bb);
    EXPECT_EQ(p.id->product(), 0x0c0a);
    EXPECT_EQ(p.id->serial(), "A1b2C3");
    EXPECT_EQ(p.id->str(), "04bb:0c0a:A1b2C3");
    EXPECT_EQ(UsbDeviceId::parse(p.id->str()).id, p.id);  // the normal form reads back the same
}

TEST(UsbDeviceId, ASerialMayHoldColons) {
    const auto p = UsbDeviceId::parse("0781:5581:AB:CD:EF");
    ASSERT_TRUE(p) << p.why;
    EXPECT_EQ(p.id->serial(), "AB:CD:EF");
}

TEST(UsbDeviceId, WithoutSerialItNamesOnlyADeviceWithoutOne) {
    const auto p = UsbDeviceId::parse("0781:5581");
    ASSERT_TRUE(p) << p.why;
    EXPECT_FALSE(p.id->serial());
    EXPECT_EQ(p.id->str(), "0781:5581");
    EXPECT_TRUE(p.id->matches(0x0781, 0x5581, false, ""));
    EXPECT_FALSE(p.id->matches(0x0781, 0x5581, true, "4C53"));
}

TEST(UsbDeviceId, MatchesTheDeviceByteForByte) {
    const auto id = *UsbDeviceId::parse("0781:5581:4C53").id;
    EXPECT_TRUE(id.matches(0x0781, 0x5581, true, "4C53"));
    EXPECT_FALSE(id.matches(0x0781, 0x5581, true, "4c53"));
    EXPECT_FALSE(id.matches(0x0781, 0x5581, true, "4C530"));
    EXPECT_FALSE(id.matches(0x0781, 0x5581, false, ""));
    EXPECT_FALSE(id.matches(0x0781, 0x5582, true, "4C53"));
    EXPECT_FALSE(id.matches(0x0782, 0x5581, true, "4C53"));
}

TEST(UsbDeviceId, MalformedIdsSayWhatIsWrongInBothLanguages) {
    const struct {
        const char* text;
        const char* why;
    } cases[] = {
        {"", "no \":\""},
        {"07815581", "no \":\""},
        {"781:5581:X", "vendor \"781\""},
        {"0781:558:X", "product \"558\""},
        {"07g1:5581:X", "vendor \"07g1\""},
        {"0x0781:5581", "vendor \"0x0781\""},
        {"0781:55811", "product \"55811\""},
        {"0781:5581:", "serial after the second \":\" is empty"},
        {"0781:5581:AB\nCD", "control character"},
        {"０７８１:5581:X", "vendor"},  // full-width digits
    };
    for (const auto& c : cases) {
        const auto p = UsbDeviceId::parse(c.text);
        EXPECT_FALSE(p) << c.text;
        EXPECT_NE(p.why.find(c.why), std::string::npos) << c.text << ": " << p.why;
        EXPECT_NE(p.why.find("e.g. \"0781:5581:4C530001\""), std::string::npos) << p.why;
        EXPECT_TRUE(hasJapanese(p.why_ja)) << p.why_ja;
        EXPECT_EQ(p.why.find('\n'), std::string::npos) << "a newline must not reach the message";
    }
    EXPECT_FALSE(UsbDeviceId::parse("0781:5581:" + std::string(379, 'A')));
    EXPECT_TRUE(UsbDeviceId::parse("0781:5581:" + std::string(378, 'A')));
}

}  // namespace
