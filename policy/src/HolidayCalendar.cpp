#include "mamori/policy/HolidayCalendar.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <stdexcept>

namespace mamori::policy {

namespace {

using date::April;
using date::August;
using date::December;
using date::February;
using date::January;
using date::July;
using date::March;
using date::May;
using date::Monday;
using date::November;
using date::October;
using date::September;
using date::Sunday;

constexpr int kYears = HolidayCalendar::kLastYear - HolidayCalendar::kFirstYear + 1;

date::year_month_day ymd(int y, date::month m, unsigned d) {
    return date::year{y} / m / date::day{d};
}

date::year_month_day nthMonday(int y, date::month m, unsigned n) {
    return date::year_month_day{date::year{y} / m / Monday[n]};
}

// The approximation formula works in fixed-point micro-days so that no year can land
// on the wrong side of an integer through binary floating-point rounding.
unsigned equinoxDay(int year, long long baseMicro) {
    if (year < 1980 || year > 2099) {
        throw std::out_of_range("equinox approximation is valid for 1980-2099 only");
    }
    const long long n = year - 1980;
    const long long micro = baseMicro + 242194LL * n - 1000000LL * (n / 4);
    return static_cast<unsigned>(micro / 1000000LL);
}

// 国民の祝日 proper (plus the 2019 days that their law deems 国民の祝日), before the
// substitute and sandwich rules derive the remaining days off.
std::vector<Holiday> statutoryHolidays(int y) {
    std::vector<Holiday> h;
    auto add = [&](date::year_month_day d, const char* name,
                   HolidayKind kind = HolidayKind::National) {
        h.push_back(Holiday{d, name, kind});
    };

    add(ymd(y, January, 1), "元日");
    add(nthMonday(y, January, 2), "成人の日");
    add(ymd(y, February, 11), "建国記念の日");
    if (y >= 2020) {
        add(ymd(y, February, 23), "天皇誕生日");
    }
    add(HolidayCalendar::vernalEquinox(y), "春分の日");
    add(ymd(y, April, 29), y >= 2007 ? "昭和の日" : "みどりの日");
    if (y == 2019) {
        add(ymd(y, May, 1), "即位の日", HolidayKind::Special);
    }
    add(ymd(y, May, 3), "憲法記念日");
    if (y >= 2007) {
        add(ymd(y, May, 4), "みどりの日");
    }
    add(ymd(y, May, 5), "こどもの日");

    // Tokyo 2020 moved three holidays around the opening and closing ceremonies,
    // in 2020 and again, after the postponement, in 2021.
    if (y == 2020) {
        add(ymd(y, July, 23), "海の日");
        add(ymd(y, July, 24), "スポーツの日");
        add(ymd(y, August, 10), "山の日");
    } else if (y == 2021) {
        add(ymd(y, July, 22), "海の日");
        add(ymd(y, July, 23), "スポーツの日");
        add(ymd(y, August, 8), "山の日");
    } else {
        add(y >= 2003 ? nthMonday(y, July, 3) : ymd(y, July, 20), "海の日");
        if (y >= 2016) {
            add(ymd(y, August, 11), "山の日");
        }
    }

    add(y >= 2003 ? nthMonday(y, September, 3) : ymd(y, September, 15), "敬老の日");
    add(HolidayCalendar::autumnalEquinox(y), "秋分の日");
    if (y < 2020) {
        add(nthMonday(y, October, 2), "体育の日");
    } else if (y > 2021) {
        add(nthMonday(y, October, 2), "スポーツの日");
    }
    if (y == 2019) {
        add(ymd(y, October, 22), "即位礼正殿の儀", HolidayKind::Special);
    }
    add(ymd(y, November, 3), "文化の日");
    add(ymd(y, November, 23), "勤労感謝の日");
    if (y <= 2018) {
        add(ymd(y, December, 23), "天皇誕生日");
    }

    std::sort(h.begin(), h.end(),
              [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
    return h;
}

std::vector<Holiday> computeYear(int y) {
    std::vector<Holiday> out = statutoryHolidays(y);
    const std::vector<Holiday> statutory = out;

    auto isStatutory = [&](date::sys_days d) {
        return std::any_of(statutory.begin(), statutory.end(),
                           [&](const Holiday& h) { return date::sys_days{h.date} == d; });
    };
    auto isListed = [&](date::sys_days d) {
        return std::any_of(out.begin(), out.end(),
                           [&](const Holiday& h) { return date::sys_days{h.date} == d; });
    };

    // 振替休日. Since 2007 it is the first following day that is not itself a
    // 国民の祝日 (so 5/3 on a Sunday gives 5/6); before, only the Monday qualified.
    for (const Holiday& h : statutory) {
        const date::sys_days day{h.date};
        if (date::weekday{day} != Sunday) {
            continue;
        }
        date::sys_days sub = day + date::days{1};
        if (y >= 2007) {
            while (isStatutory(sub)) {
                sub += date::days{1};
            }
        } else if (isStatutory(sub)) {
            continue;
        }
        out.push_back(Holiday{date::year_month_day{sub}, "振替休日", HolidayKind::Substitute});
    }

    // 国民の休日: a day whose neighbours are both 国民の祝日. Before 2007 the law
    // excluded Sundays and 振替休日 (hence no 5/4 holiday in 2003).
    for (const Holiday& h : statutory) {
        const date::sys_days mid = date::sys_days{h.date} + date::days{1};
        if (!isStatutory(mid + date::days{1}) || isListed(mid)) {
            continue;
        }
        if (y < 2007 && date::weekday{mid} == Sunday) {
            continue;
        }
        out.push_back(Holiday{date::year_month_day{mid}, "国民の休日", HolidayKind::Citizens});
    }

    std::sort(out.begin(), out.end(),
              [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
    return out;
}

struct YearCache {
    std::array<std::once_flag, kYears> once;
    std::array<std::vector<Holiday>, kYears> years;
};

YearCache& cache() {
    static YearCache c;
    return c;
}

}  // namespace

date::year_month_day HolidayCalendar::vernalEquinox(int year) {
    return ymd(year, March, equinoxDay(year, 20843100));
}

date::year_month_day HolidayCalendar::autumnalEquinox(int year) {
    return ymd(year, September, equinoxDay(year, 23248800));
}

const std::vector<Holiday>& HolidayCalendar::holidaysOf(int year) {
    if (year < kFirstYear || year > kLastYear) {
        throw std::out_of_range("HolidayCalendar supports " + std::to_string(kFirstYear) + "-" +
                                std::to_string(kLastYear) + ", not " + std::to_string(year));
    }
    YearCache& c = cache();
    const auto i = static_cast<std::size_t>(year - kFirstYear);
    std::call_once(c.once[i], [&] { c.years[i] = computeYear(year); });
    return c.years[i];
}

std::optional<std::string> HolidayCalendar::holidayName(date::year_month_day day) {
    if (!day.ok()) {
        return std::nullopt;
    }
    const int y = static_cast<int>(day.year());
    if (y < kFirstYear || y > kLastYear) {
        return std::nullopt;
    }
    for (const Holiday& h : holidaysOf(y)) {
        if (h.date == day) {
            return h.name;
        }
    }
    return std::nullopt;
}

bool HolidayCalendar::isHoliday(date::year_month_day day) {
    return holidayName(day).has_value();
}

}  // namespace mamori::policy
