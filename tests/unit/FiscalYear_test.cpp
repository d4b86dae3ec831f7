#include <gtest/gtest.h>

#include "mamori/policy/FiscalYear.h"

#include <stdexcept>

using mamori::policy::FiscalYear;

namespace {

date::year_month_day ymd(int y, unsigned m, unsigned d) {
    return date::year{y} / date::month{m} / date::day{d};
}

}  // namespace

TEST(FiscalYear, BoundaryBetweenMarch31AndApril1) {
    EXPECT_EQ(FiscalYear::fiscalYearOf(ymd(2027, 3, 31)), 2026);
    EXPECT_EQ(FiscalYear::fiscalYearOf(ymd(2027, 4, 1)), 2027);
    EXPECT_EQ(FiscalYear::fiscalYearOf(ymd(2026, 4, 1)), 2026);
    EXPECT_EQ(FiscalYear::fiscalYearOf(ymd(2026, 3, 31)), 2025);
    EXPECT_EQ(FiscalYear::fiscalYearOf(ymd(2026, 1, 1)), 2025);
    EXPECT_EQ(FiscalYear::fiscalYearOf(ymd(2026, 12, 31)), 2026);
    EXPECT_EQ(FiscalYear::fiscalYearOf(ymd(2028, 2, 29)), 2027);
}

TEST(FiscalYear, StartAndEnd) {
    EXPECT_EQ(FiscalYear::startOf(2026), ymd(2026, 4, 1));
    EXPECT_EQ(FiscalYear::endOf(2026), ymd(2027, 3, 31));
    EXPECT_EQ(FiscalYear::fiscalYearOf(FiscalYear::startOf(2030)), 2030);
    EXPECT_EQ(FiscalYear::fiscalYearOf(FiscalYear::endOf(2030)), 2030);
    EXPECT_EQ(date::sys_days{FiscalYear::endOf(2030)} + date::days{1},
              date::sys_days{FiscalYear::startOf(2031)});
}

TEST(FiscalYear, RetentionCountsFromTheEndOfTheRecordsFiscalYear) {
    // 当該年度終了後5年間: a record of FY2026 is kept until 2032-03-31.
    EXPECT_EQ(FiscalYear::retainUntil(ymd(2026, 4, 1), 5), ymd(2032, 3, 31));
    EXPECT_EQ(FiscalYear::retainUntil(ymd(2027, 3, 31), 5), ymd(2032, 3, 31));
    // One day later belongs to the next fiscal year and is kept a year longer.
    EXPECT_EQ(FiscalYear::retainUntil(ymd(2027, 4, 1), 5), ymd(2033, 3, 31));
    EXPECT_EQ(FiscalYear::retainUntil(ymd(2026, 3, 31), 1), ymd(2027, 3, 31));
    EXPECT_EQ(FiscalYear::retainUntil(ymd(2026, 7, 15), 0), ymd(2027, 3, 31));
    EXPECT_THROW(FiscalYear::retainUntil(ymd(2026, 7, 15), -1), std::invalid_argument);
    EXPECT_THROW(FiscalYear::retainUntil(ymd(2026, 2, 30), 1), std::invalid_argument);
}

TEST(FiscalYear, MayPurgeOnlyAfterTheLastRetainedDay) {
    const auto recorded = ymd(2026, 10, 1);
    EXPECT_FALSE(FiscalYear::mayPurge(recorded, 3, ymd(2030, 3, 31)));
    EXPECT_TRUE(FiscalYear::mayPurge(recorded, 3, ymd(2030, 4, 1)));
    EXPECT_FALSE(FiscalYear::mayPurge(recorded, 3, ymd(2026, 10, 1)));
    EXPECT_FALSE(FiscalYear::mayPurge(recorded, 0, ymd(2027, 3, 31)));
    EXPECT_TRUE(FiscalYear::mayPurge(recorded, 0, ymd(2027, 4, 1)));
}

TEST(FiscalYear, KeptFromIsTheFirstDateMayPurgeKeeps) {
    EXPECT_EQ(FiscalYear::keptFrom(ymd(2027, 3, 31), 1), ymd(2025, 4, 1));
    EXPECT_EQ(FiscalYear::keptFrom(ymd(2027, 4, 1), 1), ymd(2026, 4, 1));
    EXPECT_EQ(FiscalYear::keptFrom(ymd(2030, 12, 1), 5), ymd(2025, 4, 1));
    EXPECT_EQ(FiscalYear::keptFrom(ymd(2026, 6, 1), 0), ymd(2026, 4, 1));
    for (int years : {0, 1, 3, 5}) {
        for (auto today : {ymd(2027, 3, 31), ymd(2027, 4, 1), ymd(2028, 2, 29)}) {
            const auto kept = FiscalYear::keptFrom(today, years);
            const auto day_before = date::year_month_day(date::sys_days(kept) - date::days(1));
            EXPECT_FALSE(FiscalYear::mayPurge(kept, years, today));
            EXPECT_TRUE(FiscalYear::mayPurge(day_before, years, today));
        }
    }
    EXPECT_THROW(FiscalYear::keptFrom(ymd(2027, 4, 1), -1), std::invalid_argument);
}
