#include <gtest/gtest.h>

#include "mamori/policy/OperatingCalendar.h"

#include <initializer_list>
#include <stdexcept>
#include <utility>
#include <vector>

using mamori::policy::OperatingCalendar;
using mamori::v1::HoursPolicy;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

date::year_month_day ymd(int y, unsigned m, unsigned d) {
    return date::year{y} / date::month{m} / date::day{d};
}

// A UTC instant.
Clock::time_point utc(int y, unsigned m, unsigned d, int h, int mi, int s = 0) {
    return date::sys_days{ymd(y, m, d)} + std::chrono::hours{h} + std::chrono::minutes{mi} +
           std::chrono::seconds{s};
}

// A Tokyo wall time as a UTC instant (JST has no DST).
Clock::time_point jst(int y, unsigned m, unsigned d, int h, int mi, int s = 0) {
    return utc(y, m, d, h, mi, s) - 9h;
}

HoursPolicy policy(std::initializer_list<mamori::v1::Weekday> days,
                   std::initializer_list<std::pair<unsigned, unsigned>> windows,
                   const char* zone = "") {
    HoursPolicy p;
    p.set_time_zone(zone);
    for (auto d : days) {
        p.add_weekdays(d);
    }
    for (auto [start, end] : windows) {
        auto* w = p.add_windows();
        w->set_start_minute(start);
        w->set_end_minute(end);
    }
    return p;
}

const std::initializer_list<mamori::v1::Weekday> kWeekdays = {
    mamori::v1::MONDAY, mamori::v1::TUESDAY, mamori::v1::WEDNESDAY, mamori::v1::THURSDAY,
    mamori::v1::FRIDAY};
const std::initializer_list<mamori::v1::Weekday> kEveryDay = {
    mamori::v1::SUNDAY,   mamori::v1::MONDAY, mamori::v1::TUESDAY, mamori::v1::WEDNESDAY,
    mamori::v1::THURSDAY, mamori::v1::FRIDAY, mamori::v1::SATURDAY};

// 8:30-17:15, the usual 開庁時間.
HoursPolicy cityHall() {
    HoursPolicy p = policy(kWeekdays, {{510, 1035}});
    p.set_national_holidays_closed(true);
    p.set_year_end_closed(true);
    return p;
}

// Every state change between `from` and `to`, found by scanning minute by minute. All
// boundaries in these tests (including DST jumps) fall on whole minutes.
std::vector<Clock::time_point> scanChanges(const OperatingCalendar& cal, Clock::time_point from,
                                           Clock::time_point to) {
    std::vector<Clock::time_point> out;
    bool state = cal.isOpenAt(from);
    for (auto t = from + 1min; t <= to; t += 1min) {
        const bool s = cal.isOpenAt(t);
        if (s != state) {
            out.push_back(t);
            state = s;
        }
    }
    return out;
}

std::vector<Clock::time_point> walkTransitions(const OperatingCalendar& cal,
                                               Clock::time_point from, Clock::time_point to) {
    std::vector<Clock::time_point> out;
    for (auto t = cal.nextTransition(from); t && *t <= to; t = cal.nextTransition(*t)) {
        out.push_back(*t);
    }
    return out;
}

}  // namespace

TEST(OperatingCalendar, DefaultsToTokyo) {
    OperatingCalendar cal(cityHall());
    EXPECT_EQ(cal.timeZone().name(), "Asia/Tokyo");
    OperatingCalendar other(cityHall(), "Asia/Seoul");
    EXPECT_EQ(other.timeZone().name(), "Asia/Seoul");
    OperatingCalendar explicitZone(policy(kWeekdays, {{0, 60}}, "Europe/Berlin"), "Asia/Seoul");
    EXPECT_EQ(explicitZone.timeZone().name(), "Europe/Berlin");
}

TEST(OperatingCalendar, LocalDateFollowsTheZone) {
    OperatingCalendar cal(cityHall());
    EXPECT_EQ(cal.localDate(utc(2026, 3, 31, 14, 59, 59)), ymd(2026, 3, 31));
    EXPECT_EQ(cal.localDate(utc(2026, 3, 31, 15, 0, 0)), ymd(2026, 4, 1));
    EXPECT_EQ(cal.localTime(utc(2026, 3, 31, 15, 0, 0)),
              date::local_days{ymd(2026, 4, 1)} + 0s);
}

TEST(OperatingCalendar, ClosedDays) {
    HoursPolicy p = cityHall();
    p.add_closed_dates("2026-08-13");
    OperatingCalendar cal(p);
    EXPECT_TRUE(cal.isClosedDay(ymd(2026, 7, 18)));   // Saturday
    EXPECT_TRUE(cal.isClosedDay(ymd(2026, 7, 19)));   // Sunday
    EXPECT_TRUE(cal.isClosedDay(ymd(2026, 7, 20)));   // 海の日
    EXPECT_FALSE(cal.isClosedDay(ymd(2026, 7, 21)));
    EXPECT_TRUE(cal.isClosedDay(ymd(2026, 8, 13)));   // listed
    EXPECT_FALSE(cal.isClosedDay(ymd(2026, 8, 14)));
    EXPECT_TRUE(cal.isClosedDay(ymd(2026, 9, 22)));   // 国民の休日
    EXPECT_TRUE(cal.isClosedDay(ymd(2026, 5, 6)));    // 振替休日

    p.set_national_holidays_closed(false);
    OperatingCalendar open(p);
    EXPECT_FALSE(open.isClosedDay(ymd(2026, 7, 20)));
    EXPECT_TRUE(open.isClosedDay(ymd(2026, 8, 13)));
}

TEST(OperatingCalendar, YearEndClosure) {
    OperatingCalendar cal(cityHall());
    EXPECT_FALSE(cal.isClosedDay(ymd(2026, 12, 28)));
    for (unsigned d = 29; d <= 31; ++d) {
        EXPECT_TRUE(cal.isClosedDay(ymd(2026, 12, d))) << d;
    }
    for (unsigned d = 1; d <= 3; ++d) {
        EXPECT_TRUE(cal.isClosedDay(ymd(2027, 1, d))) << d;
    }
    EXPECT_FALSE(cal.isClosedDay(ymd(2027, 1, 4)));

    HoursPolicy p = cityHall();
    p.set_year_end_closed(false);
    OperatingCalendar noBreak(p);
    EXPECT_FALSE(noBreak.isClosedDay(ymd(2026, 12, 29)));
    EXPECT_FALSE(noBreak.isClosedDay(ymd(2026, 12, 30)));
    EXPECT_TRUE(noBreak.isClosedDay(ymd(2027, 1, 1)));  // still 元日
}

TEST(OperatingCalendar, WindowStartIsInclusiveAndEndExclusive) {
    OperatingCalendar cal(cityHall());
    EXPECT_FALSE(cal.isOpenAt(jst(2026, 7, 21, 8, 29, 59)));
    EXPECT_TRUE(cal.isOpenAt(jst(2026, 7, 21, 8, 30)));
    EXPECT_TRUE(cal.isOpenAt(jst(2026, 7, 21, 17, 14, 59)));
    EXPECT_TRUE(cal.isOpenAt(jst(2026, 7, 21, 17, 15) - 1ns));
    EXPECT_FALSE(cal.isOpenAt(jst(2026, 7, 21, 17, 15)));
    EXPECT_FALSE(cal.isOpenAt(jst(2026, 7, 20, 10, 0)));  // 海の日

    // At a boundary the next transition is the following one, never the same instant.
    EXPECT_EQ(cal.nextTransition(jst(2026, 7, 21, 8, 30)), jst(2026, 7, 21, 17, 15));
    EXPECT_EQ(cal.nextTransition(jst(2026, 7, 21, 8, 30) - 1ns), jst(2026, 7, 21, 8, 30));
    EXPECT_EQ(cal.nextTransition(jst(2026, 7, 21, 17, 15)), jst(2026, 7, 22, 8, 30));
}

TEST(OperatingCalendar, SeveralWindowsPerDay) {
    OperatingCalendar cal(policy(kWeekdays, {{780, 1035}, {510, 720}}));
    EXPECT_TRUE(cal.isOpenAt(jst(2026, 7, 21, 11, 59)));
    EXPECT_FALSE(cal.isOpenAt(jst(2026, 7, 21, 12, 0)));
    EXPECT_TRUE(cal.isOpenAt(jst(2026, 7, 21, 13, 0)));
    EXPECT_EQ(cal.nextTransition(jst(2026, 7, 21, 9, 0)), jst(2026, 7, 21, 12, 0));
    EXPECT_EQ(cal.nextTransition(jst(2026, 7, 21, 12, 0)), jst(2026, 7, 21, 13, 0));
    EXPECT_EQ(cal.openIntervalsOn(ymd(2026, 7, 21)).size(), 2u);
}

TEST(OperatingCalendar, TouchingAndOverlappingWindowsAreOnePeriod) {
    OperatingCalendar cal(policy(kWeekdays, {{510, 720}, {720, 900}, {850, 1035}}));
    EXPECT_EQ(cal.nextTransition(jst(2026, 7, 21, 9, 0)), jst(2026, 7, 21, 17, 15));
    const auto iv = cal.openIntervalsOn(ymd(2026, 7, 21));
    ASSERT_EQ(iv.size(), 1u);
    EXPECT_EQ(iv[0].begin, jst(2026, 7, 21, 8, 30));
    EXPECT_EQ(iv[0].end, jst(2026, 7, 21, 17, 15));
}

TEST(OperatingCalendar, NextTransitionSkipsWeekendAndGoldenWeek) {
    OperatingCalendar cal(cityHall());
    // Fri 5/1 closes; Sat, Sun 憲法記念日, みどりの日, こどもの日, 振替休日 5/6; opens Thu 5/7.
    EXPECT_EQ(cal.nextTransition(jst(2026, 5, 1, 10, 0)), jst(2026, 5, 1, 17, 15));
    EXPECT_EQ(cal.nextTransition(jst(2026, 5, 1, 17, 15)), jst(2026, 5, 7, 8, 30));
    EXPECT_EQ(cal.nextTransition(jst(2026, 5, 4, 12, 0)), jst(2026, 5, 7, 8, 30));
    // Silver week: 敬老の日, 国民の休日, 秋分の日 after a weekend.
    EXPECT_EQ(cal.nextTransition(jst(2026, 9, 18, 17, 15)), jst(2026, 9, 24, 8, 30));
    // Year-end break, then the first Monday.
    EXPECT_EQ(cal.nextTransition(jst(2026, 12, 28, 17, 15)), jst(2027, 1, 4, 8, 30));
}

TEST(OperatingCalendar, AllDayWindowsMergeAcrossMidnight) {
    OperatingCalendar cal(policy(kWeekdays, {{0, 1440}}));
    EXPECT_TRUE(cal.isOpenAt(jst(2026, 7, 7, 0, 0)));
    EXPECT_EQ(cal.nextTransition(jst(2026, 7, 6, 10, 0)), jst(2026, 7, 11, 0, 0));
    EXPECT_EQ(cal.nextTransition(jst(2026, 7, 11, 0, 0)), jst(2026, 7, 13, 0, 0));
}

TEST(OperatingCalendar, ConstantStateHasNoTransition) {
    OperatingCalendar always(policy(kEveryDay, {{0, 1440}}));
    EXPECT_TRUE(always.isOpenAt(jst(2026, 1, 1, 0, 0)));
    EXPECT_FALSE(always.nextTransition(jst(2026, 1, 1, 0, 0)).has_value());

    OperatingCalendar noWindows(policy(kEveryDay, {}));
    EXPECT_FALSE(noWindows.isOpenAt(jst(2026, 7, 21, 10, 0)));
    EXPECT_FALSE(noWindows.nextTransition(jst(2026, 7, 21, 10, 0)).has_value());

    OperatingCalendar noDays(policy({}, {{510, 1035}}));
    EXPECT_FALSE(noDays.isOpenAt(jst(2026, 7, 21, 10, 0)));
    EXPECT_FALSE(noDays.nextTransition(jst(2026, 7, 21, 10, 0)).has_value());
}

TEST(OperatingCalendar, SpringForwardInNewYork) {
    // 2026-03-08 02:00 EST becomes 03:00 EDT at 07:00 UTC.
    OperatingCalendar cal(policy(kEveryDay, {{150, 210}}, "America/New_York"));  // 02:30-03:30
    const auto iv = cal.openIntervalsOn(ymd(2026, 3, 8));
    ASSERT_EQ(iv.size(), 1u);
    EXPECT_EQ(iv[0].begin, utc(2026, 3, 8, 7, 0));  // the jump; 02:30 never shows
    EXPECT_EQ(iv[0].end, utc(2026, 3, 8, 7, 30));   // 03:30 EDT
    EXPECT_FALSE(cal.isOpenAt(utc(2026, 3, 8, 6, 59, 59)));
    EXPECT_TRUE(cal.isOpenAt(utc(2026, 3, 8, 7, 0)));
    EXPECT_FALSE(cal.isOpenAt(utc(2026, 3, 8, 7, 30)));
    EXPECT_EQ(cal.nextTransition(utc(2026, 3, 8, 5, 0)), utc(2026, 3, 8, 7, 0));
    EXPECT_EQ(cal.nextTransition(utc(2026, 3, 8, 7, 0)), utc(2026, 3, 8, 7, 30));
    // The day before and after, in EST and EDT.
    EXPECT_EQ(cal.nextTransition(utc(2026, 3, 7, 0, 0)), utc(2026, 3, 7, 7, 30));
    EXPECT_EQ(cal.nextTransition(utc(2026, 3, 8, 7, 30)), utc(2026, 3, 9, 6, 30));

    // A window wholly inside the skipped hour does not happen that day.
    OperatingCalendar gap(policy(kEveryDay, {{130, 170}}, "America/New_York"));  // 02:10-02:50
    EXPECT_TRUE(gap.openIntervalsOn(ymd(2026, 3, 8)).empty());
    EXPECT_EQ(gap.nextTransition(utc(2026, 3, 8, 5, 0)), utc(2026, 3, 9, 6, 10));
}

TEST(OperatingCalendar, FallBackInNewYork) {
    // 2026-11-01 02:00 EDT becomes 01:00 EST at 06:00 UTC; 01:00-02:00 happens twice.
    OperatingCalendar early(policy(kEveryDay, {{0, 90}}, "America/New_York"));  // 00:00-01:30
    EXPECT_TRUE(early.isOpenAt(utc(2026, 11, 1, 5, 29)));     // 01:29 EDT
    EXPECT_FALSE(early.isOpenAt(utc(2026, 11, 1, 5, 30)));    // 01:30 EDT
    EXPECT_FALSE(early.isOpenAt(utc(2026, 11, 1, 6, 15)));    // 01:15 EST: no reopening
    EXPECT_EQ(early.nextTransition(utc(2026, 11, 1, 5, 30)), utc(2026, 11, 2, 5, 0));

    OperatingCalendar late(policy(kEveryDay, {{90, 180}}, "America/New_York"));  // 01:30-03:00
    EXPECT_EQ(late.nextTransition(utc(2026, 11, 1, 4, 0)), utc(2026, 11, 1, 5, 30));
    EXPECT_TRUE(late.isOpenAt(utc(2026, 11, 1, 6, 15)));      // 01:15 EST, still open
    EXPECT_EQ(late.nextTransition(utc(2026, 11, 1, 5, 30)), utc(2026, 11, 1, 8, 0));

    // Together they are one period of four real hours.
    OperatingCalendar both(policy(kEveryDay, {{0, 90}, {90, 180}}, "America/New_York"));
    const auto iv = both.openIntervalsOn(ymd(2026, 11, 1));
    ASSERT_EQ(iv.size(), 1u);
    EXPECT_EQ(iv[0].end - iv[0].begin, 4h);
    EXPECT_EQ(both.localDate(utc(2026, 11, 1, 6, 15)), ymd(2026, 11, 1));
}

TEST(OperatingCalendar, OfficeHoursAcrossBerlinDstChange) {
    // CET until Sunday 2026-03-29, CEST from then on.
    OperatingCalendar cal(policy(kWeekdays, {{480, 1020}}, "Europe/Berlin"));  // 08:00-17:00
    EXPECT_EQ(cal.nextTransition(utc(2026, 3, 27, 6, 0)), utc(2026, 3, 27, 7, 0));
    EXPECT_EQ(cal.nextTransition(utc(2026, 3, 27, 7, 0)), utc(2026, 3, 27, 16, 0));
    EXPECT_EQ(cal.nextTransition(utc(2026, 3, 27, 16, 0)), utc(2026, 3, 30, 6, 0));
    EXPECT_EQ(cal.nextTransition(utc(2026, 3, 30, 6, 0)), utc(2026, 3, 30, 15, 0));
}

TEST(OperatingCalendar, TransitionsAgreeWithAMinuteByMinuteScan) {
    HoursPolicy ny = policy(kWeekdays, {{0, 90}, {130, 170}, {510, 720}, {780, 1440}},
                            "America/New_York");
    ny.add_weekdays(mamori::v1::SUNDAY);
    const OperatingCalendar nyCal(ny);
    for (auto [from, to] : {std::pair{utc(2026, 3, 1, 0, 0), utc(2026, 3, 15, 0, 0)},
                            std::pair{utc(2026, 10, 25, 0, 0), utc(2026, 11, 8, 0, 0)}}) {
        EXPECT_EQ(walkTransitions(nyCal, from, to), scanChanges(nyCal, from, to));
    }

    HoursPolicy tokyo = cityHall();
    tokyo.add_closed_dates("2026-12-25");
    const OperatingCalendar tokyoCal(tokyo);
    const auto from = jst(2026, 12, 20, 0, 0);
    const auto to = jst(2027, 1, 12, 0, 0);
    const auto walked = walkTransitions(tokyoCal, from, to);
    EXPECT_EQ(walked, scanChanges(tokyoCal, from, to));
    // Open 12/21-24, 12/28 and 1/4-8; 12/25 is listed, 1/11 is 成人の日.
    EXPECT_EQ(walked.size(), 2u * 10);
}

TEST(OperatingCalendar, RejectsMalformedPolicies) {
    EXPECT_THROW(OperatingCalendar(policy(kWeekdays, {{510, 1035}}, "Asia/Nowhere")),
                 std::invalid_argument);
    EXPECT_THROW(OperatingCalendar(policy(kWeekdays, {{600, 600}})), std::invalid_argument);
    EXPECT_THROW(OperatingCalendar(policy(kWeekdays, {{1320, 360}})), std::invalid_argument);
    EXPECT_THROW(OperatingCalendar(policy(kWeekdays, {{0, 1441}})), std::invalid_argument);
    EXPECT_NO_THROW(OperatingCalendar(policy(kWeekdays, {{0, 1440}})));

    HoursPolicy p = cityHall();
    p.add_weekdays(static_cast<mamori::v1::Weekday>(7));
    EXPECT_THROW(OperatingCalendar{p}, std::invalid_argument);

    for (const char* bad : {"2026/01/05", "2026-02-30", "2026-1-05", "26-01-05x", ""}) {
        HoursPolicy q = cityHall();
        q.add_closed_dates(bad);
        EXPECT_THROW(OperatingCalendar{q}, std::invalid_argument) << bad;
    }
}
