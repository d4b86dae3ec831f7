// The SYNC counter list as a real server sends it (Xvfb's, names of every length), and as a
// hostile listener could: counts and lengths that overrun the body.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "platform/linux/SyncSystemCounters.h"

namespace {

using mamori::platform::SyncSystemCounters;

std::string entry(uint32_t counter, const std::string& name, size_t pad_to = 4) {
    std::string e(14, '\0');
    std::memcpy(e.data(), &counter, 4);
    const uint16_t length = static_cast<uint16_t>(name.size());
    std::memcpy(e.data() + 12, &length, 2);
    e += name;
    while (e.size() % pad_to) e.push_back('\0');
    return e;
}

// As Xvfb lists them: the per-device idle counters first, IDLETIME after them.
const std::string kXvfb = entry(0x20, "SERVERTIME") + entry(0x21, "DEVICEIDLETIME 2") + entry(0x22, "DEVICEIDLETIME 3") +
                          entry(0x23, "IDLETIME") + entry(0x24, "DEVICEIDLETIME 4");

TEST(SyncSystemCounters, FindsACounterBehindNamesOfEveryLength) {
    EXPECT_EQ(SyncSystemCounters::find(kXvfb, 5, "IDLETIME"), 0x23u);
    EXPECT_EQ(SyncSystemCounters::find(kXvfb, 5, "SERVERTIME"), 0x20u);
    EXPECT_EQ(SyncSystemCounters::find(kXvfb, 5, "DEVICEIDLETIME 4"), 0x24u);
    EXPECT_FALSE(SyncSystemCounters::find(kXvfb, 5, "IDLE"));
    EXPECT_FALSE(SyncSystemCounters::find(kXvfb, 3, "IDLETIME")) << "past the count it claims";
}

TEST(SyncSystemCounters, ABodyThatLiesEndsTheSearchInsideIt) {
    EXPECT_FALSE(SyncSystemCounters::find("", 5, "IDLETIME"));
    EXPECT_FALSE(SyncSystemCounters::find(kXvfb.substr(0, 10), 1, "IDLETIME")) << "a header cut short";
    EXPECT_FALSE(SyncSystemCounters::find(kXvfb, 1000000, "IDLETIME\1")) << "more entries than the body holds";
    std::string overrun = entry(0x30, "IDLETIME");
    const uint16_t huge = 60000;
    std::memcpy(overrun.data() + 12, &huge, 2);
    EXPECT_FALSE(SyncSystemCounters::find(overrun, 1, "IDLETIME")) << "a name longer than the body";
    std::string unpadded = entry(0x31, "X", 1);  // the last entry without its padding
    EXPECT_EQ(SyncSystemCounters::find(unpadded, 1, "X"), 0x31u);
    EXPECT_FALSE(SyncSystemCounters::find(unpadded, 2, "Y"));
}

}  // namespace
