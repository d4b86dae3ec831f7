#include <gtest/gtest.h>

#include "mamori/policy/HolidayCalendar.h"

#include <map>
#include <sstream>
#include <string>
#include <vector>

using mamori::policy::Holiday;
using mamori::policy::HolidayCalendar;
using mamori::policy::HolidayKind;

namespace {

// The Cabinet Office lists (内閣府「国民の祝日について」), one "YYYY-MM-DD name" per day.
// 振替休日 and 国民の休日 are printed as 「休日」 there; they are named here by the rule.
const std::map<int, std::vector<std::string>> kOfficial = {
    {2019,
     {"2019-01-01 元日", "2019-01-14 成人の日", "2019-02-11 建国記念の日",
      "2019-03-21 春分の日", "2019-04-29 昭和の日", "2019-04-30 国民の休日",
      "2019-05-01 即位の日", "2019-05-02 国民の休日", "2019-05-03 憲法記念日",
      "2019-05-04 みどりの日", "2019-05-05 こどもの日", "2019-05-06 振替休日",
      "2019-07-15 海の日", "2019-08-11 山の日", "2019-08-12 振替休日",
      "2019-09-16 敬老の日", "2019-09-23 秋分の日", "2019-10-14 体育の日",
      "2019-10-22 即位礼正殿の儀", "2019-11-03 文化の日", "2019-11-04 振替休日",
      "2019-11-23 勤労感謝の日"}},
    {2020,
     {"2020-01-01 元日", "2020-01-13 成人の日", "2020-02-11 建国記念の日",
      "2020-02-23 天皇誕生日", "2020-02-24 振替休日", "2020-03-20 春分の日",
      "2020-04-29 昭和の日", "2020-05-03 憲法記念日", "2020-05-04 みどりの日",
      "2020-05-05 こどもの日", "2020-05-06 振替休日", "2020-07-23 海の日",
      "2020-07-24 スポーツの日", "2020-08-10 山の日", "2020-09-21 敬老の日",
      "2020-09-22 秋分の日", "2020-11-03 文化の日", "2020-11-23 勤労感謝の日"}},
    {2021,
     {"2021-01-01 元日", "2021-01-11 成人の日", "2021-02-11 建国記念の日",
      "2021-02-23 天皇誕生日", "2021-03-20 春分の日", "2021-04-29 昭和の日",
      "2021-05-03 憲法記念日", "2021-05-04 みどりの日", "2021-05-05 こどもの日",
      "2021-07-22 海の日", "2021-07-23 スポーツの日", "2021-08-08 山の日",
      "2021-08-09 振替休日", "2021-09-20 敬老の日", "2021-09-23 秋分の日",
      "2021-11-03 文化の日", "2021-11-23 勤労感謝の日"}},
    {2022,
     {"2022-01-01 元日", "2022-01-10 成人の日", "2022-02-11 建国記念の日",
      "2022-02-23 天皇誕生日", "2022-03-21 春分の日", "2022-04-29 昭和の日",
      "2022-05-03 憲法記念日", "2022-05-04 みどりの日", "2022-05-05 こどもの日",
      "2022-07-18 海の日", "2022-08-11 山の日", "2022-09-19 敬老の日",
      "2022-09-23 秋分の日", "2022-10-10 スポーツの日", "2022-11-03 文化の日",
      "2022-11-23 勤労感謝の日"}},
    {2023,
     {"2023-01-01 元日", "2023-01-02 振替休日", "2023-01-09 成人の日",
      "2023-02-11 建国記念の日", "2023-02-23 天皇誕生日", "2023-03-21 春分の日",
      "2023-04-29 昭和の日", "2023-05-03 憲法記念日", "2023-05-04 みどりの日",
      "2023-05-05 こどもの日", "2023-07-17 海の日", "2023-08-11 山の日",
      "2023-09-18 敬老の日", "2023-09-23 秋分の日", "2023-10-09 スポーツの日",
      "2023-11-03 文化の日", "2023-11-23 勤労感謝の日"}},
    {2024,
     {"2024-01-01 元日", "2024-01-08 成人の日", "2024-02-11 建国記念の日",
      "2024-02-12 振替休日", "2024-02-23 天皇誕生日", "2024-03-20 春分の日",
      "2024-04-29 昭和の日", "2024-05-03 憲法記念日", "2024-05-04 みどりの日",
      "2024-05-05 こどもの日", "2024-05-06 振替休日", "2024-07-15 海の日",
      "2024-08-11 山の日", "2024-08-12 振替休日", "2024-09-16 敬老の日",
      "2024-09-22 秋分の日", "2024-09-23 振替休日", "2024-10-14 スポーツの日",
      "2024-11-03 文化の日", "2024-11-04 振替休日", "2024-11-23 勤労感謝の日"}},
    {2025,
     {"2025-01-01 元日", "2025-01-13 成人の日", "2025-02-11 建国記念の日",
      "2025-02-23 天皇誕生日", "2025-02-24 振替休日", "2025-03-20 春分の日",
      "2025-04-29 昭和の日", "2025-05-03 憲法記念日", "2025-05-04 みどりの日",
      "2025-05-05 こどもの日", "2025-05-06 振替休日", "2025-07-21 海の日",
      "2025-08-11 山の日", "2025-09-15 敬老の日", "2025-09-23 秋分の日",
      "2025-10-13 スポーツの日", "2025-11-03 文化の日", "2025-11-23 勤労感謝の日",
      "2025-11-24 振替休日"}},
    {2026,
     {"2026-01-01 元日", "2026-01-12 成人の日", "2026-02-11 建国記念の日",
      "2026-02-23 天皇誕生日", "2026-03-20 春分の日", "2026-04-29 昭和の日",
      "2026-05-03 憲法記念日", "2026-05-04 みどりの日", "2026-05-05 こどもの日",
      "2026-05-06 振替休日", "2026-07-20 海の日", "2026-08-11 山の日",
      "2026-09-21 敬老の日", "2026-09-22 国民の休日", "2026-09-23 秋分の日",
      "2026-10-12 スポーツの日", "2026-11-03 文化の日", "2026-11-23 勤労感謝の日"}},
    {2027,
     {"2027-01-01 元日", "2027-01-11 成人の日", "2027-02-11 建国記念の日",
      "2027-02-23 天皇誕生日", "2027-03-21 春分の日", "2027-03-22 振替休日",
      "2027-04-29 昭和の日", "2027-05-03 憲法記念日", "2027-05-04 みどりの日",
      "2027-05-05 こどもの日", "2027-07-19 海の日", "2027-08-11 山の日",
      "2027-09-20 敬老の日", "2027-09-23 秋分の日", "2027-10-11 スポーツの日",
      "2027-11-03 文化の日", "2027-11-23 勤労感謝の日"}},
};

std::string format(const Holiday& h) {
    std::ostringstream os;
    os << h.date << ' ' << h.name;
    return os.str();
}

date::year_month_day ymd(int y, unsigned m, unsigned d) {
    return date::year{y} / date::month{m} / date::day{d};
}

}  // namespace

TEST(HolidayCalendar, MatchesOfficialLists2019To2027EntryByEntry) {
    for (const auto& [year, expected] : kOfficial) {
        const auto& got = HolidayCalendar::holidaysOf(year);
        std::vector<std::string> actual;
        for (const Holiday& h : got) {
            actual.push_back(format(h));
        }
        EXPECT_EQ(actual, expected) << "year " << year;
    }
}

TEST(HolidayCalendar, OfficialCountsPerYear) {
    const std::map<int, std::size_t> counts = {{2019, 22}, {2020, 18}, {2021, 17},
                                               {2022, 16}, {2023, 17}, {2024, 21},
                                               {2025, 19}, {2026, 18}, {2027, 17}};
    for (const auto& [year, n] : counts) {
        EXPECT_EQ(HolidayCalendar::holidaysOf(year).size(), n) << year;
    }
}

TEST(HolidayCalendar, HolidayNameLooksUpEveryOfficialEntry) {
    for (const auto& [year, expected] : kOfficial) {
        for (const Holiday& h : HolidayCalendar::holidaysOf(year)) {
            auto name = HolidayCalendar::holidayName(h.date);
            ASSERT_TRUE(name.has_value()) << format(h);
            EXPECT_EQ(*name, h.name);
        }
    }
    EXPECT_FALSE(HolidayCalendar::holidayName(ymd(2026, 1, 2)).has_value());
    EXPECT_FALSE(HolidayCalendar::holidayName(ymd(2019, 12, 23)).has_value());  // no 天皇誕生日
    EXPECT_FALSE(HolidayCalendar::isHoliday(ymd(2020, 10, 12)));  // スポーツの日 moved to 7/24
    EXPECT_FALSE(HolidayCalendar::isHoliday(ymd(2021, 8, 11)));   // 山の日 moved to 8/8
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2018, 12, 23)), "天皇誕生日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2018, 12, 24)), "振替休日");
}

TEST(HolidayCalendar, EquinoxesMatchTheAnnouncedDates) {
    // 春分日・秋分日 as announced in the official gazette (官報), 2000-2027.
    const int vernal[] = {20, 20, 21, 21, 20, 20, 21, 21, 20, 20, 21, 21, 20, 20,
                          21, 21, 20, 20, 21, 21, 20, 20, 21, 21, 20, 20, 20, 21};
    const int autumnal[] = {23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 22, 23,
                            23, 23, 22, 23, 23, 23, 22, 23, 23, 23, 22, 23, 23, 23};
    for (int y = 2000; y <= 2027; ++y) {
        EXPECT_EQ(HolidayCalendar::vernalEquinox(y), ymd(y, 3, vernal[y - 2000])) << y;
        EXPECT_EQ(HolidayCalendar::autumnalEquinox(y), ymd(y, 9, autumnal[y - 2000])) << y;
    }
    // Where the formula sits closest to an integer (2012: 22.9992).
    EXPECT_EQ(HolidayCalendar::autumnalEquinox(2012), ymd(2012, 9, 22));
    // Last year the approximation covers.
    EXPECT_EQ(HolidayCalendar::vernalEquinox(2099), ymd(2099, 3, 20));
    EXPECT_EQ(HolidayCalendar::autumnalEquinox(2099), ymd(2099, 9, 23));
}

TEST(HolidayCalendar, SubstituteHolidayMovesPastConsecutiveHolidays) {
    // 5/3 on a Sunday: 5/4 and 5/5 are holidays themselves, so the substitute is 5/6.
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2015, 5, 6)), "振替休日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2026, 5, 6)), "振替休日");
    // 5/4 on a Sunday (2025) also lands on 5/6.
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2025, 5, 6)), "振替休日");
    // 1/1 on a Sunday.
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2034, 1, 2)), "振替休日");
    // Holidays on a Saturday are not moved.
    EXPECT_FALSE(HolidayCalendar::isHoliday(ymd(2022, 1, 3)));
    EXPECT_FALSE(HolidayCalendar::isHoliday(ymd(2023, 2, 13)));
    for (int y = HolidayCalendar::kFirstYear; y <= HolidayCalendar::kLastYear; ++y) {
        for (const Holiday& h : HolidayCalendar::holidaysOf(y)) {
            if (h.kind == HolidayKind::Substitute) {
                EXPECT_NE(date::weekday{date::sys_days{h.date}}, date::Sunday) << format(h);
            }
        }
    }
}

TEST(HolidayCalendar, CitizensHolidayBetweenRespectForTheAgedAndEquinox) {
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2009, 9, 22)), "国民の休日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2015, 9, 22)), "国民の休日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2026, 9, 22)), "国民の休日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2032, 9, 21)), "国民の休日");
}

TEST(HolidayCalendar, RulesBefore2007And2003) {
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2002, 7, 20)), "海の日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2002, 9, 15)), "敬老の日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2002, 9, 16)), "振替休日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2003, 7, 21)), "海の日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2003, 9, 15)), "敬老の日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2006, 4, 29)), "みどりの日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2007, 4, 29)), "昭和の日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2007, 5, 4)), "みどりの日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2001, 4, 30)), "振替休日");
    // 5/4 was a 国民の休日 only by the sandwich rule, which then excluded Sundays.
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2004, 5, 4)), "国民の休日");
    EXPECT_FALSE(HolidayCalendar::isHoliday(ymd(2003, 5, 4)));
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2000, 1, 10)), "成人の日");
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2000, 10, 9)), "体育の日");
    EXPECT_FALSE(HolidayCalendar::isHoliday(ymd(2015, 8, 11)));
    EXPECT_EQ(HolidayCalendar::holidayName(ymd(2016, 8, 11)), "山の日");
}

TEST(HolidayCalendar, OutOfRangeYears) {
    EXPECT_THROW(HolidayCalendar::holidaysOf(1999), std::out_of_range);
    EXPECT_THROW(HolidayCalendar::holidaysOf(2100), std::out_of_range);
    EXPECT_FALSE(HolidayCalendar::holidayName(ymd(2100, 1, 1)).has_value());
    EXPECT_FALSE(HolidayCalendar::holidayName(ymd(2026, 2, 30)).has_value());
    EXPECT_EQ(HolidayCalendar::holidaysOf(2099).front().name, "元日");
}

TEST(HolidayCalendar, EveryYearIsSortedAndUnique) {
    for (int y = HolidayCalendar::kFirstYear; y <= HolidayCalendar::kLastYear; ++y) {
        const auto& list = HolidayCalendar::holidaysOf(y);
        ASSERT_GE(list.size(), 15u) << y;
        for (std::size_t i = 1; i < list.size(); ++i) {
            EXPECT_LT(list[i - 1].date, list[i].date) << y;
        }
        for (const Holiday& h : list) {
            EXPECT_EQ(static_cast<int>(h.date.year()), y);
        }
    }
    // The cache hands out the same list every time.
    EXPECT_EQ(&HolidayCalendar::holidaysOf(2026), &HolidayCalendar::holidaysOf(2026));
}
