#pragma once

#include "mamori/policy/PolicyError.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::policy {

// The Cabinet Office holiday list (内閣府「国民の祝日について」syukujitsu.csv):
//
//   国民の祝日・休日月日,国民の祝日・休日名称
//   2026/1/1,元日
//
// The Cabinet Office publishes it in Shift_JIS; administrators often re-save it from Excel
// as UTF-8 with a BOM, or without. All three are accepted: UTF-8 is tried first (with or
// without BOM) and anything that is not valid UTF-8 is read as CP932, the Windows flavour
// of Shift_JIS that Excel writes.
class HolidayCsv {
public:
    struct Entry {
        std::string date;  // YYYY-MM-DD
        std::string name;  // UTF-8, e.g. "元日"

        friend bool operator==(const Entry&, const Entry&) = default;
    };

    struct Result {
        std::vector<Entry> entries;       // in file order; empty when errors is not
        std::vector<PolicyError> errors;  // every malformed row, with its line number

        bool ok() const noexcept { return errors.empty(); }
    };

    // Larger inputs are refused: the real file is about 20 KB, so a much bigger one is a
    // wrong file, not a holiday list.
    static constexpr std::size_t kMaxBytes = 1 << 20;

    // bytes: the file content as read from disk; file_name: used in errors only.
    static Result parse(std::string_view bytes, const std::string& file_name);
    static Result parseFile(const std::filesystem::path& path);
};

}  // namespace mamori::policy
