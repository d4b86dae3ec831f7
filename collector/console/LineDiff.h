#pragma once
#include <string>
#include <vector>

namespace mamori::collector {

// What changed between two texts, line by line (the longest common subsequence): each line of
// either, marked kept, removed or added, in order. For the console's "what this profile
// changes" before a push; texts are a profile's summary, tens of lines.
class LineDiff {
public:
    enum class Mark { Kept, Removed, Added };
    struct Line {
        Mark mark;
        std::string text;
    };
    // Texts longer than kMaxLines lines are compared as wholly replaced: the table is n×m.
    static constexpr std::size_t kMaxLines = 2000;

    static std::vector<Line> of(const std::string& before, const std::string& after);
};

}  // namespace mamori::collector
