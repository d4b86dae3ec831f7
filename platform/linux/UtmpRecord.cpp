#include "UtmpRecord.h"

#include <cstring>

namespace mamori::platform {

namespace {

// Length of the valid UTF-8 sequence starting at s (at most n bytes available), or 0.
size_t utf8Sequence(const unsigned char* s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    uint32_t min;
    uint32_t cp;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, cp = c & 0x07;
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; ++i) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    // Overlong forms, surrogates and code points past Unicode are what a parser downstream
    // (protobuf refuses a string field that is not UTF-8) would choke on.
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

}  // namespace

std::string UtmpRecord::text(const char* field, size_t size) {
    const auto* s = reinterpret_cast<const unsigned char*>(field);
    size_t n = strnlen(field, size);
    std::string out;
    out.reserve(n);
    for (size_t i = 0; i < n;) {
        size_t len = utf8Sequence(s + i, n - i);
        if (len == 0 || (len == 1 && (s[i] < 0x20 || s[i] == 0x7F))) {
            out.push_back('?');
            i += 1;
        } else {
            out.append(field + i, len);
            i += len;
        }
    }
    return out;
}

Session UtmpRecord::toSession(const utmpx& r) {
    Session s;
    s.user = text(r.ut_user, sizeof r.ut_user);
    s.line = text(r.ut_line, sizeof r.ut_line);
    s.host = text(r.ut_host, sizeof r.ut_host);
    s.pid = r.ut_pid;
    s.start_unix = r.ut_tv.tv_sec;
    return s;
}

std::optional<utmpx> UtmpRecord::fromBytes(std::string_view bytes) {
    if (bytes.size() != sizeof(utmpx)) return std::nullopt;
    utmpx r;
    std::memcpy(&r, bytes.data(), sizeof r);
    if (r.ut_type == EMPTY) return std::nullopt;
    return r;
}

}  // namespace mamori::platform
