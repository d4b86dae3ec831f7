#include "collector/console/LineDiff.h"

#include <sstream>

namespace mamori::collector {

namespace {

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace

std::vector<LineDiff::Line> LineDiff::of(const std::string& before, const std::string& after) {
    const auto a = linesOf(before), b = linesOf(after);
    std::vector<Line> out;
    if (a.size() > kMaxLines || b.size() > kMaxLines) {
        for (const auto& l : a) out.push_back({Mark::Removed, l});
        for (const auto& l : b) out.push_back({Mark::Added, l});
        return out;
    }
    // common[i][j]: the longest common subsequence of a[i..] and b[j..].
    std::vector<std::vector<uint32_t>> common(a.size() + 1, std::vector<uint32_t>(b.size() + 1, 0));
    for (size_t i = a.size(); i-- > 0;)
        for (size_t j = b.size(); j-- > 0;)
            common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] == b[j]) {
            out.push_back({Mark::Kept, a[i]});
            ++i, ++j;
        } else if (common[i + 1][j] >= common[i][j + 1]) {
            out.push_back({Mark::Removed, a[i++]});
        } else {
            out.push_back({Mark::Added, b[j++]});
        }
    }
    for (; i < a.size(); ++i) out.push_back({Mark::Removed, a[i]});
    for (; j < b.size(); ++j) out.push_back({Mark::Added, b[j]});
    return out;
}

}  // namespace mamori::collector
