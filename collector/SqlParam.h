#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "mamori/common/UserError.h"

namespace mamori::collector {

// One parameter of a statement, as both databases take it. Text and blobs are views: the
// caller keeps the bytes alive until the statement has run (SqlConnection::run returns), so
// event bodies and hashes reach the database without a copy.
class SqlParam {
public:
    enum class Kind { Null, Integer, Boolean, Text, Blob };

    static SqlParam integer(int64_t v) { return SqlParam(Kind::Integer, v, {}); }
    // Seqs and versions are unsigned here and signed 64-bit in both schemas: one past int64
    // cannot be stored and must not wrap.
    static SqlParam integer(uint64_t v) {
        if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            throw common::UserError::invalid("value " + std::to_string(v) + " is too large to store",
                                             "値 " + std::to_string(v) + " は大きすぎて保存できません");
        return integer(static_cast<int64_t>(v));
    }
    static SqlParam integer(int v) { return integer(static_cast<int64_t>(v)); }
    static SqlParam integer(uint32_t v) { return integer(static_cast<int64_t>(v)); }
    static SqlParam boolean(bool v) { return SqlParam(Kind::Boolean, v ? 1 : 0, {}); }
    static SqlParam text(std::string_view s) { return SqlParam(Kind::Text, 0, s); }
    static SqlParam blob(std::string_view s) { return SqlParam(Kind::Blob, 0, s); }
    static SqlParam null() { return SqlParam(Kind::Null, 0, {}); }

    Kind kind() const { return kind_; }
    int64_t number() const { return number_; }  // Integer, and Boolean as 0 or 1
    std::string_view bytes() const { return bytes_; }  // Text and Blob

private:
    SqlParam(Kind kind, int64_t number, std::string_view bytes) : kind_(kind), number_(number), bytes_(bytes) {}

    Kind kind_;
    int64_t number_;
    std::string_view bytes_;
};

}  // namespace mamori::collector
