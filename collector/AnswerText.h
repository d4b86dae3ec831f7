#pragma once
#include <boost/json/value.hpp>
#include <string>

namespace mamori::collector {

// The admin endpoint's answers as people read them, in Japanese or English: the words a reader
// adds (headings, yes/no), and a JSON cell as text. Shared by mamorictl's tables and CSV and by
// the console's pages, so a column reads the same in both.
class AnswerText {
public:
    // A phrase in both languages.
    struct Words {
        std::string en, ja;
    };

    explicit AnswerText(bool japanese) : japanese_(japanese) {}

    bool japanese() const { return japanese_; }
    const std::string& say(const Words& w) const { return japanese_ ? w.ja : w.en; }
    std::string yesNo(bool b) const { return b ? say({"yes", "はい"}) : say({"no", "いいえ"}); }

    // A cell: a string as it is, true/false as yes/no, null as empty, anything else as JSON.
    static std::string text(const boost::json::value& v);
    // An ISO 8601 time of the answer ("2026-12-04T16:49:03+09:00") as the date and the minute in
    // the zone the collector wrote ("2026-12-04 16:49"); `absent` for null.
    static std::string time(const boost::json::value& iso, const std::string& absent = "");

private:
    bool japanese_;
};

}  // namespace mamori::collector
