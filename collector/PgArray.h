#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "collector/PgParam.h"
#include "collector/SqlParam.h"

namespace mamori::collector {

// One column of many rows as a single PostgreSQL array parameter, in the binary format the
// server reads without parsing (array_recv): `unnest($1, $2, ...)` turns the columns back into
// rows. A bulk insert then sends one parameter per column instead of one per value, and its
// statement text, short and the same for any number of rows, costs the server no parsing per
// value.
class PgArray {
public:
    // The element type for values of this kind; none for Null, which fits any.
    static std::optional<unsigned> arrayType(SqlParam::Kind kind);

    // kind: the kind of every non-null value added.
    PgArray(SqlParam::Kind kind, size_t capacity);
    void add(const SqlParam& value);
    // The finished array, typed (int8[], bool[], text[] or bytea[]).
    PgParam param() &&;

private:
    void put32(int32_t v);

    SqlParam::Kind kind_;
    std::string bytes_;
    size_t count_ = 0;
    bool has_null_ = false;
};

}  // namespace mamori::collector
