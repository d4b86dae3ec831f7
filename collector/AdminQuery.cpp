#include "collector/AdminQuery.h"

#include <boost/url/parse.hpp>
#include <charconv>
#include <chrono>

#include "mamori/common/UserError.h"

namespace mamori::collector {

using common::UserError;

AdminQuery::AdminQuery(std::string_view target) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url)
        throw UserError::invalid("the request's target is not a valid URL: " + url.error().message(),
                                 "リクエストの URL が正しくありません");
    for (auto p : url->params()) values_[std::string(p.key)] = std::string(p.value);
}

std::string AdminQuery::text(const std::string& key) const {
    const auto it = values_.find(key);
    return it == values_.end() ? std::string() : it->second;
}

int64_t AdminQuery::integer(const std::string& key, int64_t min, int64_t max, int64_t absent) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return absent;
    const std::string& v = it->second;
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    const std::string range = std::to_string(min) + " to " + std::to_string(max);
    const std::string range_ja = std::to_string(min) + "〜" + std::to_string(max);
    if (v.empty() || ec == std::errc::invalid_argument || end != v.data() + v.size())
        throw UserError::invalid(key + " must be a whole number from " + range + ", not '" + v + "'",
                                 key + " には " + range_ja + " の整数を指定してください（'" + v + "' は数ではありません）");
    if (ec == std::errc::result_out_of_range || n < min || n > max)
        throw UserError::invalid(key + " must be from " + range + "; " + v + " is out of range",
                                 key + " には " + range_ja + " の整数を指定してください（" + v + " は範囲外です）");
    return n;
}

std::string AdminQuery::date(const std::string& key, const std::string& absent) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return absent;
    if (!isDate(it->second))
        throw UserError::invalid(key + " must be a date, YYYY-MM-DD, that exists; '" + it->second + "' is not one",
                                 key + " には実在する日付を YYYY-MM-DD の形で指定してください（'" + it->second +
                                     "' は日付ではありません）");
    return it->second;
}

bool AdminQuery::isDate(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    auto number = [&](size_t at, size_t len, int& out) {
        const auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
        return ec == std::errc() && end == text.data() + at + len;
    };
    int y = 0, m = 0, d = 0;
    if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return false;
    return std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                       std::chrono::day{static_cast<unsigned>(d)}}
        .ok();
}

}  // namespace mamori::collector
