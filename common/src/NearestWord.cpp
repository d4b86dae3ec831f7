#include "mamori/common/NearestWord.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace mamori::common {

namespace {

// The word as characters: code points of well-formed UTF-8, a stray byte as itself; ASCII
// letters lowered.
std::u32string characters(std::string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        char32_t cp = c < 0x80 ? static_cast<char32_t>(std::tolower(c)) : c;
        if (len > 1 && i + len <= s.size()) {
            cp = c & (0xff >> (len + 1));
            for (std::size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
        }
        out.push_back(cp);
        i += len > 1 && i + len <= s.size() ? len : 1;
    }
    return out;
}

std::size_t distanceOf(const std::u32string& a, const std::u32string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

}  // namespace

std::size_t NearestWord::distance(std::string_view a, std::string_view b) {
    return distanceOf(characters(a), characters(b));
}

std::optional<std::string> NearestWord::among(std::string_view word, const std::vector<std::string>& valid) {
    const std::u32string w = characters(word);
    if (w.empty() || w.size() > 40) return std::nullopt;
    std::optional<std::string> best;
    std::size_t best_d = SIZE_MAX, best_len = 0;
    for (const auto& v : valid) {
        const std::u32string c = characters(v);
        const std::size_t d = distanceOf(w, c);
        if (d < best_d) {
            best_d = d;
            best = v;
            best_len = c.size();
        }
    }
    if (!best) return std::nullopt;
    const std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(3, best_len / 3));
    if (best_d <= limit) return best;
    // Longer spellings of a valid word ("enforcing", "owner_section") are the other common slip.
    for (const auto& v : valid) {
        const std::u32string c = characters(v);
        std::size_t common = 0;
        while (common < c.size() && common < w.size() && c[common] == w[common]) ++common;
        if (common >= 4 && common + 1 >= c.size()) return v;
    }
    return std::nullopt;
}

}  // namespace mamori::common
