#include "agent/DpkgVersion.h"

namespace mamori::agent {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// dpkg's weight of one non-digit character: '~' sorts before everything, even the end of the
// string; letters before the other punctuation.
int order(char c) {
    if (isDigit(c)) return 0;
    if (isAlpha(c)) return c;
    if (c == '~') return -1;
    if (c) return static_cast<unsigned char>(c) + 256;
    return 0;
}

// dpkg's verrevcmp: alternating non-digit and digit runs, non-digits by order(), digits as
// numbers of any length.
int verrevcmp(std::string_view a, std::string_view b) {
    size_t i = 0, j = 0;
    auto at = [](std::string_view s, size_t k) { return k < s.size() ? s[k] : '\0'; };
    while (i < a.size() || j < b.size()) {
        int first_diff = 0;
        while ((i < a.size() && !isDigit(a[i])) || (j < b.size() && !isDigit(b[j]))) {
            int ac = order(at(a, i)), bc = order(at(b, j));
            if (ac != bc) return ac - bc;
            ++i;
            ++j;
        }
        while (at(a, i) == '0') ++i;
        while (at(b, j) == '0') ++j;
        while (isDigit(at(a, i)) && isDigit(at(b, j))) {
            if (!first_diff) first_diff = at(a, i) - at(b, j);
            ++i;
            ++j;
        }
        if (isDigit(at(a, i))) return 1;
        if (isDigit(at(b, j))) return -1;
        if (first_diff) return first_diff;
    }
    return 0;
}

bool validChars(std::string_view s, std::string_view extra) {
    for (char c : s) {
        if (!isDigit(c) && !isAlpha(c) && extra.find(c) == std::string_view::npos) return false;
    }
    return true;
}

}  // namespace

std::optional<DpkgVersion> DpkgVersion::parse(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty()) return std::nullopt;
    DpkgVersion v;
    if (auto colon = text.find(':'); colon != std::string_view::npos) {
        std::string_view epoch = text.substr(0, colon);
        if (epoch.empty() || epoch.size() > 9) return std::nullopt;  // dpkg caps the epoch at INT_MAX
        for (char c : epoch) {
            if (!isDigit(c)) return std::nullopt;
            v.epoch_ = v.epoch_ * 10 + static_cast<uint64_t>(c - '0');
        }
        text.remove_prefix(colon + 1);
    }
    std::string_view upstream = text;
    if (auto hyphen = text.rfind('-'); hyphen != std::string_view::npos) {
        upstream = text.substr(0, hyphen);
        std::string_view revision = text.substr(hyphen + 1);
        if (revision.empty() || !validChars(revision, ".+~")) return std::nullopt;
        v.revision_ = revision;
    }
    if (upstream.empty() || !validChars(upstream, ".-+~:")) return std::nullopt;
    v.upstream_ = upstream;
    return v;
}

std::string DpkgVersion::str() const {
    std::string s;
    // An upstream holding ':' needs its epoch written, even 0, to read back the same.
    if (epoch_ || upstream_.find(':') != std::string::npos) s = std::to_string(epoch_) + ":";
    s += upstream_;
    if (!revision_.empty()) s += "-" + revision_;
    return s;
}

int DpkgVersion::compare(const DpkgVersion& a, const DpkgVersion& b) {
    if (a.epoch_ != b.epoch_) return a.epoch_ < b.epoch_ ? -1 : 1;
    if (int c = verrevcmp(a.upstream_, b.upstream_)) return c;
    return verrevcmp(a.revision_, b.revision_);
}

}  // namespace mamori::agent
