#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mamori::policy {

// The encodings files written on a city's Windows PCs arrive in: UTF-8, or Shift_JIS in its
// Windows form (CP932). Shared by the readers of such files (HolidayCsv, PolicyLoader).
class TextEncoding {
public:
    // Strict UTF-8 (no overlong forms, no surrogates): the offset of the first bad byte, if any.
    static std::optional<std::size_t> firstInvalidUtf8(std::string_view s);
    // CP932 -> UTF-8; nothing when a byte does not convert, its offset in bad_offset.
    static std::optional<std::string> cp932ToUtf8(std::string_view in, std::size_t& bad_offset);
    // 1-based line and column (in characters, counting UTF-8 sequences once) of a byte offset.
    static std::pair<int, int> position(std::string_view text, std::size_t offset);
};

}  // namespace mamori::policy
