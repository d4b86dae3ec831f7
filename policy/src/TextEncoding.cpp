#include "mamori/policy/TextEncoding.h"

#include <iconv.h>

#include <algorithm>
#include <optional>

namespace mamori::policy {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Strict UTF-8 (no overlong forms, no surrogates); returns the offset of the first bad byte.
std::optional<std::size_t> firstInvalidUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        unsigned cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (i + len > s.size()) return i;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += len;
    }
    return std::nullopt;
}

// CP932 → UTF-8. On failure returns nullopt and the offset of the byte that did not convert.
std::optional<std::string> cp932ToUtf8(std::string_view in, std::size_t& bad_offset) {
    iconv_t cd = iconv_open("UTF-8", "CP932");
    if (cd == reinterpret_cast<iconv_t>(-1)) {
        bad_offset = 0;
        return std::nullopt;
    }
    std::string out;
    out.resize(in.size() * 3 + 16);  // a CP932 character is at most 2 bytes → 3 bytes of UTF-8
    char* src = const_cast<char*>(in.data());
    std::size_t src_left = in.size();
    char* dst = out.data();
    std::size_t dst_left = out.size();
    const std::size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    iconv_close(cd);
    if (rc == static_cast<std::size_t>(-1)) {
        bad_offset = in.size() - src_left;
        return std::nullopt;
    }
    out.resize(out.size() - dst_left);
    return out;
}

}  // namespace

TextEncoding::Detected TextEncoding::detect(std::string_view bytes) {
    Detected d;
    if (bytes.size() >= 2 && ((bytes[0] == '\xFF' && bytes[1] == '\xFE') || (bytes[0] == '\xFE' && bytes[1] == '\xFF'))) {
        d.kind = Kind::Utf16;
        return d;
    }
    if (bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom) {
        // A BOM says the writer meant UTF-8, so bytes that are not are damage, not Shift_JIS.
        d.utf8_bom = true;
        const std::string_view rest = bytes.substr(kUtf8Bom.size());
        if (const auto bad = firstInvalidUtf8(rest)) {
            d.first_invalid = d.broken_at = kUtf8Bom.size() + *bad;
            return d;
        }
        d.kind = Kind::Utf8;
        d.text.assign(rest);
        return d;
    }
    const auto bad_utf8 = firstInvalidUtf8(bytes);
    if (!bad_utf8) {
        d.kind = Kind::Utf8;
        d.text.assign(bytes);
        return d;
    }
    d.first_invalid = *bad_utf8;
    std::size_t bad_cp932 = 0;
    if (auto converted = cp932ToUtf8(bytes, bad_cp932)) {
        d.kind = Kind::ShiftJis;
        d.text = std::move(*converted);
        return d;
    }
    d.broken_at = std::max(*bad_utf8, bad_cp932);
    return d;
}

TextEncoding::Position TextEncoding::positionOf(std::string_view bytes, std::size_t offset) {
    Position p;
    std::size_t i = bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom ? kUtf8Bom.size() : 0;
    for (; i < offset && i < bytes.size(); ++i) {
        if (bytes[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else if ((static_cast<unsigned char>(bytes[i]) & 0xC0) != 0x80) {
            ++p.column;  // a continuation byte belongs to the character before it
        }
    }
    return p;
}

}  // namespace mamori::policy
