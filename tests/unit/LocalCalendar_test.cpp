#include "collector/LocalCalendar.h"

#include <gtest/gtest.h>

#include "mamori/common/UserError.h"

using mamori::collector::LocalCalendar;

namespace {

constexpr int64_t kDec4 = 1796370543;  // 2026-12-04T07:49:03Z

TEST(LocalCalendar, Iso8601IsInTheZoneWithItsOffsetToTheSecond) {
    EXPECT_EQ(LocalCalendar("Asia/Tokyo").iso8601Unix(kDec4), "2026-12-04T16:49:03+09:00");
    EXPECT_EQ(LocalCalendar("UTC").iso8601Unix(kDec4), "2026-12-04T07:49:03+00:00");
    EXPECT_EQ(LocalCalendar("America/New_York").iso8601Unix(kDec4), "2026-12-04T02:49:03-05:00");
    EXPECT_EQ(LocalCalendar("America/New_York").iso8601Unix(kDec4 - 180 * 86400), "2026-06-07T03:49:03-04:00");
    EXPECT_EQ(LocalCalendar("Asia/Kolkata").iso8601Unix(kDec4), "2026-12-04T13:19:03+05:30");
    // The nanosecond form names the same second, also before 1970.
    EXPECT_EQ(LocalCalendar("Asia/Tokyo").iso8601Ns(kDec4 * 1'000'000'000 + 999'999'999), "2026-12-04T16:49:03+09:00");
    EXPECT_EQ(LocalCalendar("UTC").iso8601Ns(-1), "1969-12-31T23:59:59+00:00");
    // The extremes a terminal can claim still print.
    EXPECT_FALSE(LocalCalendar("Asia/Tokyo").iso8601Ns(std::numeric_limits<int64_t>::min()).empty());
    EXPECT_FALSE(LocalCalendar("Asia/Tokyo").iso8601Ns(std::numeric_limits<int64_t>::max()).empty());
}

TEST(LocalCalendar, OnlyDatesThatExistAreDates) {
    EXPECT_TRUE(LocalCalendar::isDate("2026-12-04"));
    EXPECT_TRUE(LocalCalendar::isDate("2028-02-29"));
    for (const char* bad : {"2026-13-01", "2026-02-30", "2027-02-29", "2026-2-3", "2026-00-10", "2026-01-00",
                            "2026-01-01x", "2026/01/01", "-026-01-01", "2026--1-01", "today", ""})
        EXPECT_FALSE(LocalCalendar::isDate(bad)) << bad;
    const LocalCalendar tokyo("Asia/Tokyo");
    EXPECT_EQ(tokyo.startOfDateUnix("2026-12-04"), kDec4 - (7 * 3600 + 49 * 60 + 3) - 9 * 3600);
    EXPECT_THROW(tokyo.startOfDateUnix("2026-02-30"), mamori::common::UserError);
    EXPECT_THROW(tokyo.startOfDateUnix("2026-2-3"), mamori::common::UserError);
}

TEST(LocalCalendar, AnUnknownZoneIsRefusedWithTheNearestKnownOne) {
    try {
        LocalCalendar("Asia/Tokio");
        FAIL() << "Asia/Tokio accepted";
    } catch (const mamori::common::UserError& e) {
        EXPECT_NE(e.english().find("did you mean 'Asia/Tokyo'?"), std::string::npos) << e.english();
        EXPECT_NE(e.japanese().find("「Asia/Tokyo」の誤りではありませんか"), std::string::npos) << e.japanese();
    }
}

}  // namespace
