#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mamori::policy {

// Tells apart, from its bytes, the encodings a text file saved on a Windows PC arrives in:
// UTF-8 (with the BOM Excel and Notepad write, or without), UTF-16 with a BOM (their
// "Unicode"), and Shift_JIS in Microsoft's CP932 flavour (what a Japanese Windows writes as
// "ANSI"). Each reader decides what it accepts: the holiday CSV takes CP932 because the
// Cabinet Office publishes it so; a policy profile takes UTF-8 only.
class TextEncoding {
public:
    enum class Kind {
        Utf8,      // valid UTF-8 throughout
        Utf16,     // starts with a UTF-16 BOM (FF FE or FE FF); not decoded
        ShiftJis,  // not UTF-8, but the whole reads as CP932
        Unknown,   // neither (or a UTF-8 BOM followed by bytes that are not UTF-8)
    };

    struct Detected {
        Kind kind = Kind::Unknown;
        bool utf8_bom = false;          // the bytes start with EF BB BF
        std::string text;               // Utf8 and ShiftJis: the content as UTF-8, without a BOM
        std::size_t first_invalid = 0;  // ShiftJis, Unknown: offset of the first byte that is not UTF-8
        // Unknown: the offset where whichever reading got further (UTF-8 or CP932) broke; that
        // reading is likely the file's real encoding, and the byte there the damaged one.
        std::size_t broken_at = 0;
    };

    struct Position {
        int line = 1;    // 1-based
        int column = 1;  // 1-based, in characters as UTF-8 reads them; a leading BOM is not counted
    };

    static Detected detect(std::string_view bytes);
    static Position positionOf(std::string_view bytes, std::size_t offset);
};

}  // namespace mamori::policy
