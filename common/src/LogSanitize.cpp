#include <algorithm>
#include <cstdint>

#include "mamori/common/Log.h"

namespace mamori {
namespace {

void appendHex(std::string& out, unsigned char c) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 0xf];
}

// The length of the valid UTF-8 sequence at s[i], or 0 when it is not one (overlong forms,
// surrogates and code points past U+10FFFF included, as RFC 3629 says).
size_t utf8Length(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
    else return 0;
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (b(k) & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
    if (cp >= 0xd800 && cp <= 0xdfff) return 0;
    if (cp >= 0x80 && cp <= 0x9f) return 0;  // C1 controls: a terminal obeys them as it does ESC
    return n;
}

}  // namespace

std::string Log::sanitize(std::string_view msg, size_t max_bytes) {
    std::string out;
    out.reserve(std::min(msg.size(), max_bytes) + 16);
    size_t i = 0;
    while (i < msg.size()) {
        if (out.size() >= max_bytes) break;
        const auto c = static_cast<unsigned char>(msg[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
            ++i;
        } else if (c == '\n') {
            out += "\\n", ++i;
        } else if (c == '\t') {
            out += "\\t", ++i;
        } else if (c == '\r') {
            out += "\\r", ++i;
        } else if (const size_t n = c >= 0x80 ? utf8Length(msg, i) : 0; n > 0) {
            out.append(msg.substr(i, n));
            i += n;
        } else {
            appendHex(out, c);
            ++i;
        }
    }
    if (i < msg.size()) out += "... (" + std::to_string(msg.size() - i) + " more bytes)";
    return out;
}

}  // namespace mamori
