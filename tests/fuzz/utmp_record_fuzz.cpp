// utmp/btmp records: written by every login program, and for btmp holding whatever a stranger
// typed as a user name. Whatever the bytes, the session that comes out must be printable UTF-8
// (protobuf refuses anything else in a string field, and the event would be lost).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "platform/linux/UtmpRecord.h"

namespace {

bool printableUtf8(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        if (len == 1 && (c < 0x20 || c == 0x7F)) return false;
        for (size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += len;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using mamori::platform::UtmpRecord;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    // Any length as one text field, then whole records as btmp is read.
    if (!printableUtf8(UtmpRecord::text(bytes.data(), bytes.size()))) std::abort();
    for (size_t off = 0; off + sizeof(utmpx) <= bytes.size(); off += sizeof(utmpx)) {
        auto r = UtmpRecord::fromBytes(bytes.substr(off, sizeof(utmpx)));
        if (!r) continue;
        auto s = UtmpRecord::toSession(*r);
        if (!printableUtf8(s.user) || !printableUtf8(s.line) || !printableUtf8(s.host)) std::abort();
        (void)s.display();
    }
    return 0;
}
