#include "collector/ReportTable.h"

#include <algorithm>

namespace mamori::collector {

size_t ReportTable::displayWidth(const std::string& s) {
    size_t width = 0;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        uint32_t cp = c;
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        if (len > 1 && i + len <= s.size()) {
            cp = c & (0xff >> (len + 1));
            for (size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
        }
        // East Asian wide and full-width ranges: Hangul Jamo, CJK, kana, full-width forms.
        bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
        width += wide ? 2 : 1;
        i += len;
    }
    return width;
}

std::string ReportTable::table() const {
    std::vector<size_t> w(headers_.size());
    for (size_t c = 0; c < headers_.size(); ++c) w[c] = displayWidth(headers_[c]);
    for (const auto& r : rows_)
        for (size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], displayWidth(r[c]));
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (size_t c = 0; c < w.size(); ++c) {
            std::string cell = c < cells.size() ? cells[c] : "";
            out += cell;
            if (c + 1 < w.size()) out += std::string(w[c] - displayWidth(cell) + 2, ' ');
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string out = line(headers_);
    std::vector<std::string> rule;
    for (size_t c = 0; c < w.size(); ++c) rule.push_back(std::string(w[c], '-'));
    out += line(rule);
    for (const auto& r : rows_) out += line(r);
    return out;
}

std::string ReportTable::csv() const {
    auto field = [](std::string s) {
        // Officers open these files in Excel, which runs a cell starting with = + - @ as a
        // formula: a hostname or rule id chosen by whoever controls a terminal must stay text.
        // Numbers (a negative clock skew) are left as they are.
        const bool number = !s.empty() && s.find_first_not_of("-0123456789.", 1) == std::string::npos &&
                            s.find_first_of("0123456789") != std::string::npos;
        if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos && !number)
            s.insert(0, 1, '\'');
        if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
        std::string q = "\"";
        for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (size_t c = 0; c < cells.size(); ++c) out += (c ? "," : "") + field(cells[c]);
        return out + "\r\n";  // RFC 4180
    };
    std::string out = "\xEF\xBB\xBF" + line(headers_);
    for (const auto& r : rows_) out += line(r);
    return out;
}

}  // namespace mamori::collector
