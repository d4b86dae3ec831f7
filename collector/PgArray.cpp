#include "collector/PgArray.h"

#include <stdexcept>

namespace mamori::collector {

namespace {

// pg_type oids: element and array types.
constexpr unsigned kInt8 = 20, kBool = 16, kText = 25, kBytea = 17;
constexpr unsigned kInt8Array = 1016, kBoolArray = 1000, kTextArray = 1009, kByteaArray = 1001;

constexpr size_t kHeader = 20;  // ndim, has-null flag, element type, length, lower bound

unsigned elementType(SqlParam::Kind kind) {
    switch (kind) {
        case SqlParam::Kind::Integer: return kInt8;
        case SqlParam::Kind::Boolean: return kBool;
        case SqlParam::Kind::Text: return kText;
        case SqlParam::Kind::Blob: return kBytea;
        case SqlParam::Kind::Null: break;
    }
    throw std::logic_error("PgArray: no element type for NULL");
}

void putBigEndian(char* at, uint32_t v) {
    at[0] = static_cast<char>(v >> 24);
    at[1] = static_cast<char>(v >> 16);
    at[2] = static_cast<char>(v >> 8);
    at[3] = static_cast<char>(v);
}

}  // namespace

std::optional<unsigned> PgArray::arrayType(SqlParam::Kind kind) {
    switch (kind) {
        case SqlParam::Kind::Integer: return kInt8Array;
        case SqlParam::Kind::Boolean: return kBoolArray;
        case SqlParam::Kind::Text: return kTextArray;
        case SqlParam::Kind::Blob: return kByteaArray;
        case SqlParam::Kind::Null: break;
    }
    return std::nullopt;
}

PgArray::PgArray(SqlParam::Kind kind, size_t capacity) : kind_(kind) {
    bytes_.reserve(kHeader + capacity * 12);
    bytes_.resize(kHeader);  // filled in by param(), once the count is known
}

void PgArray::put32(int32_t v) {
    char b[4];
    putBigEndian(b, static_cast<uint32_t>(v));
    bytes_.append(b, 4);
}

void PgArray::add(const SqlParam& value) {
    ++count_;
    switch (value.kind()) {
        case SqlParam::Kind::Null:
            has_null_ = true;
            put32(-1);
            return;
        case SqlParam::Kind::Integer: {
            put32(8);
            const auto v = static_cast<uint64_t>(value.number());
            put32(static_cast<int32_t>(v >> 32));
            put32(static_cast<int32_t>(v & 0xffffffffu));
            return;
        }
        case SqlParam::Kind::Boolean:
            put32(1);
            bytes_.push_back(value.number() ? 1 : 0);
            return;
        case SqlParam::Kind::Text:
        case SqlParam::Kind::Blob:
            put32(static_cast<int32_t>(value.bytes().size()));
            bytes_.append(value.bytes());
            return;
    }
}

PgParam PgArray::param() && {
    putBigEndian(bytes_.data(), 1);  // one dimension
    putBigEndian(bytes_.data() + 4, has_null_ ? 1 : 0);
    putBigEndian(bytes_.data() + 8, elementType(kind_));
    putBigEndian(bytes_.data() + 12, static_cast<uint32_t>(count_));
    putBigEndian(bytes_.data() + 16, 1);  // lower bound
    return PgParam::binary(*arrayType(kind_), std::move(bytes_));
}

}  // namespace mamori::collector
