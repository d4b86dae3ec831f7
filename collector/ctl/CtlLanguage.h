#pragma once
#include <string>

#include "collector/AnswerText.h"

namespace mamori::collector {

// The language mamorictl writes for people: table and CSV headings, the words it adds itself
// (yes/no, never, the statuses it knows, what an empty table means). Chosen once, here:
// `--lang ja|en` wins; otherwise the locale, as POSIX reads it for messages (LC_ALL, else
// LC_MESSAGES, else LANG, the first that is set and not empty): Japanese when it starts with
// "ja" (ja_JP.UTF-8), English otherwise. JSON is for programs and stays English.
class CtlLanguage {
public:
    // A phrase in both languages.
    using Words = AnswerText::Words;

    // From `--lang` when given (empty: not given), else from the three locale variables (null:
    // unset).
    static CtlLanguage choose(const std::string& option, const char* lc_all, const char* lc_messages,
                              const char* lang);
    // The same, reading this process's environment.
    static CtlLanguage choose(const std::string& option);

    bool japanese() const { return japanese_; }
    const std::string& operator()(const Words& w) const { return japanese_ ? w.ja : w.en; }
    // The collector's answers as text in this language (headings, yes/no, cells).
    AnswerText answers() const { return AnswerText(japanese_); }
    // A status word of the collector's (violation, not reporting, ...) in this language; one it
    // does not know, as it came.
    std::string status(const std::string& english) const;
    // A heading for a column of times, naming the zone they are in: "last seen (Asia/Tokyo)".
    static Words zoned(const Words& heading, const std::string& zone);

    static constexpr const char* kHelp =
        "language of tables and CSV headings: ja or en (default: from LC_ALL, LC_MESSAGES or LANG; "
        "ja_JP.UTF-8 is Japanese); JSON is always English";

private:
    explicit CtlLanguage(bool japanese) : japanese_(japanese) {}
    bool japanese_;
};

}  // namespace mamori::collector
