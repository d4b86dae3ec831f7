#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace mamori::collector {

class LocalCalendar;

// The query string of an admin request, read parameter by parameter. A value that is malformed
// or out of range is the client's mistake: a common::UserError (400) that names the parameter and
// the accepted values in English and Japanese, never a parser's exception.
class AdminQuery {
public:
    // Throws common::UserError when the target is not a valid origin-form URL.
    explicit AdminQuery(std::string_view target);

    bool has(const std::string& key) const { return values_.contains(key); }
    // The value as given; empty when absent.
    std::string text(const std::string& key) const;
    // A whole number in [min, max]; `absent` when the parameter is not given.
    int64_t integer(const std::string& key, int64_t min, int64_t max, int64_t absent) const;
    // A calendar date, YYYY-MM-DD, that exists; `absent` when the parameter is not given.
    std::string date(const std::string& key, const std::string& absent = {}) const;
    // Where a listing starts, in seconds since 1970: `since`, a local date the collector's calendar
    // turns into its first second (the administrator's workstation's zone plays no part), or
    // `since_unix` up to max_unix; 0 when neither is given, an error when both are.
    int64_t since(const LocalCalendar& calendar, int64_t max_unix) const;

private:
    std::map<std::string, std::string> values_;
};

}  // namespace mamori::collector
