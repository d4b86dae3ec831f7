#pragma once

#include <date/date.h>

#include <optional>
#include <string>
#include <vector>

namespace mamori::policy {

// Why the day is off: statutory holidays and the 2019 enthronement days count as
// 国民の祝日 for the substitute and sandwich rules; the other two kinds are derived.
enum class HolidayKind {
    National,    // 国民の祝日
    Special,     // 2019 enthronement days, treated as 国民の祝日 by their own law
    Substitute,  // 振替休日
    Citizens,    // 国民の休日 (a weekday sandwiched between two holidays)
};

struct Holiday {
    date::year_month_day date;
    std::string name;  // as printed in the Cabinet Office list, e.g. "成人の日"
    HolidayKind kind = HolidayKind::National;

    friend bool operator==(const Holiday&, const Holiday&) = default;
};

// Japanese public holidays (国民の祝日に関する法律 and the 2019/2020/2021 special laws),
// computed rather than tabulated so that terminals keep working past the last CSV the
// Cabinet Office published. Equinoxes use the astronomical approximation; the
// official dates are only announced a year ahead and have matched it so far.
class HolidayCalendar {
public:
    static constexpr int kFirstYear = 2000;
    static constexpr int kLastYear = 2099;

    // All holidays of the year in date order. Computed once per year, then shared;
    // the reference stays valid for the life of the process. Throws std::out_of_range
    // outside [kFirstYear, kLastYear].
    static const std::vector<Holiday>& holidaysOf(int year);

    // Name of the holiday on that day, or nullopt. Days outside the supported years
    // are reported as ordinary days rather than failing a caller that only asks
    // "is the office closed?".
    static std::optional<std::string> holidayName(date::year_month_day day);
    static bool isHoliday(date::year_month_day day);

    // 春分の日 / 秋分の日 by the approximation formula (valid 1980-2099).
    static date::year_month_day vernalEquinox(int year);
    static date::year_month_day autumnalEquinox(int year);
};

}  // namespace mamori::policy
