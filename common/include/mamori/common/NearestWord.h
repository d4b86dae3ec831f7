#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::common {

// "Did you mean ...?" for a word a person typed: a policy key, a time zone, a section (所属),
// a terminal id. Distances count characters, not bytes, so a one-kanji slip in 市民課 is as
// near as a one-letter slip in "usb"; ASCII case is ignored.
class NearestWord {
public:
    // Levenshtein distance between two UTF-8 words, in characters.
    static std::size_t distance(std::string_view a, std::string_view b);
    // The valid word `word` most likely meant, if one is close enough to say so: within a third
    // of its length (1 to 3 edits), or a valid word `word` begins with and overruns by one
    // ("enforcing" for "enforce").
    static std::optional<std::string> among(std::string_view word, const std::vector<std::string>& valid);
};

}  // namespace mamori::common
