#include "collector/AdminQuery.h"

#include <boost/url/parse.hpp>
#include <charconv>

#include "collector/LocalCalendar.h"
#include "mamori/common/UserError.h"
#include "mamori/policy/TextEncoding.h"

namespace mamori::collector {

using common::UserError;

AdminQuery::AdminQuery(std::string_view target) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url)
        throw UserError::invalid("the request's target is not a valid URL: " + url.error().message(),
                                 "リクエストの URL が正しくありません");
    for (auto p : url->params()) {
        std::string key(p.key), value(p.value);
        // Quoted back in errors and JSON answers, which must stay text.
        if (mamori::policy::TextEncoding::firstInvalidUtf8(key) || mamori::policy::TextEncoding::firstInvalidUtf8(value))
            throw UserError::invalid("the request's parameters are not UTF-8 text",
                                     "リクエストのパラメーターが UTF-8 の文字列ではありません");
        values_[std::move(key)] = std::move(value);
    }
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
    if (!LocalCalendar::isDate(it->second))
        throw UserError::invalid(key + " must be a date, YYYY-MM-DD, that exists; '" + it->second + "' is not one",
                                 key + " には実在する日付を YYYY-MM-DD の形で指定してください（'" + it->second +
                                     "' は日付ではありません）");
    return it->second;
}

int64_t AdminQuery::since(const LocalCalendar& calendar, int64_t max_unix) const {
    if (has("since") && has("since_unix"))
        throw UserError::invalid("give since (a local date) or since_unix, not both",
                                 "since（日付）と since_unix はどちらか一方だけを指定してください");
    if (has("since")) {
        const int64_t start = calendar.startOfDateUnix(date("since"));
        if (start < 0 || start > max_unix)
            throw UserError::invalid("since must be a date from 1970 on, not " + text("since"),
                                     "since には 1970 年以降の日付を指定してください（" + text("since") + "）");
        return start;
    }
    return integer("since_unix", 0, max_unix, 0);
}

}  // namespace mamori::collector
