// FailedLogons' read position as text: what the position file and the journal's cursor hold.
// Reading btmp from it, across kills and rotations, is tested in
// tests/integration/SessionMonitor_test.cpp.
#include <gtest/gtest.h>

#include "platform/linux/FailedLogons.h"

namespace {

using mamori::platform::FailedLogons;

TEST(FailedLogonsPosition, TextRoundTrips) {
    const FailedLogons::Position p{{2049, 1234567}, 384 * 5, 17};
    EXPECT_EQ(FailedLogons::text(p), "2049 1234567 1920 17");
    const auto back = FailedLogons::parse(FailedLogons::text(p));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->id, p.id);
    EXPECT_EQ(back->offset, 1920u);
    EXPECT_EQ(back->step, 17u);
}

TEST(FailedLogonsPosition, AnOlderAgentsThreeNumbersAreStepZero) {
    const auto p = FailedLogons::parse("2049 1234567 1920");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->offset, 1920u);
    EXPECT_EQ(p->step, 0u);
    EXPECT_TRUE(FailedLogons::parse("2049 1234567 1920 \n"));
}

TEST(FailedLogonsPosition, AnythingElseIsNoPosition) {
    for (const char* bad : {"", "2049", "2049 1234567", "2049 1234567 x", "2049 1234567 1920 17 extra",
                            "2049 1234567 1920 seventeen", "a b c d", "2049 1234567 -1 3", "2049 1234567 1920 -5"})
        EXPECT_FALSE(FailedLogons::parse(bad)) << '"' << bad << '"';
}

}  // namespace
