#include "agent/Glob.h"

namespace mamori::agent {

namespace {

// Matches the bracket expression starting at pattern[p] (the '[') against c. Sets next to the
// index after the closing ']'; returns false with next = p when the bracket is not closed, in
// which case the '[' is an ordinary character.
bool matchSet(std::string_view pattern, size_t p, char c, size_t& next, bool& closed) {
    size_t i = p + 1;
    bool negate = i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^');
    if (negate) ++i;
    bool hit = false;
    bool first = true;
    for (; i < pattern.size() && (first || pattern[i] != ']'); first = false) {
        char lo = pattern[i];
        if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
            char hi = pattern[i + 2];
            if (lo <= c && c <= hi) hit = true;
            i += 3;
        } else {
            if (lo == c) hit = true;
            ++i;
        }
    }
    closed = i < pattern.size();
    next = closed ? i + 1 : p;
    return hit != negate;
}

}  // namespace

// Iterative matching with one backtrack point (the last '*'): linear in practice and never
// exponential, whatever pattern a profile holds.
bool Glob::match(std::string_view pattern, std::string_view text) {
    size_t p = 0, t = 0;
    size_t star = std::string_view::npos, star_t = 0;
    while (t < text.size()) {
        if (p < pattern.size()) {
            char pc = pattern[p];
            if (pc == '*') {
                star = p++;
                star_t = t;
                continue;
            }
            if (pc == '?') {
                ++p;
                ++t;
                continue;
            }
            if (pc == '[') {
                size_t next = p;
                bool closed = false;
                bool hit = matchSet(pattern, p, text[t], next, closed);
                if (closed) {
                    if (hit) {
                        p = next;
                        ++t;
                        continue;
                    }
                } else if (text[t] == '[') {
                    ++p;
                    ++t;
                    continue;
                }
            } else if (pc == text[t]) {
                ++p;
                ++t;
                continue;
            }
        }
        if (star == std::string_view::npos) return false;
        p = star + 1;
        t = ++star_t;
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace mamori::agent
