#pragma once
#include <string>

namespace mamori::collector {

// The Japanese of the status words the collector answers with (DailyCompliance's "violation",
// ReportingExpectation's "not reporting", ...), for every reader that shows them to people:
// mamorictl's tables and the console's pages.
class StatusWords {
public:
    // The Japanese for `english`; a word not known here, as it came (a status added elsewhere
    // shows in English until it is added here).
    static std::string japanese(const std::string& english);
    // `english` in Japanese, or as it is.
    static std::string inLanguage(const std::string& english, bool ja) { return ja ? japanese(english) : english; }
    // A row's status as people read it, in Japanese or English: "standing since 2026-11-20", and
    // for a violation whose condition began before `date`, "violation (standing since ...)".
    static std::string describe(const std::string& status, const std::string& since, const std::string& date,
                                bool japanese);
};

}  // namespace mamori::collector
