#pragma once
#include <map>
#include <string>
#include <string_view>

namespace mamori::collector {

// A form as a browser sends it (application/x-www-form-urlencoded, '+' for a space), or the
// query of a console URL. Outside input: a malformed one, one with too many fields or a field
// given twice is refused with a common::UserError, never half read.
class FormData {
public:
    static constexpr std::size_t kMaxFields = 64;

    // Throws common::UserError (400) as said above.
    static FormData parse(std::string_view encoded);
    // The query of a request target ("/console/today?section=..."); empty without one.
    static FormData ofTarget(std::string_view target);

    // The value as given; empty when absent.
    std::string text(const std::string& key) const;
    bool has(const std::string& key) const { return values_.contains(key); }

private:
    std::map<std::string, std::string> values_;
};

}  // namespace mamori::collector
