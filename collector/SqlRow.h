#pragma once
#include <cstdint>
#include <string>

namespace mamori::collector {

// One row of a result, read by column (0-based) and type, whichever database it came from.
class SqlRow {
public:
    virtual ~SqlRow() = default;
    virtual bool isNull(int col) const = 0;
    virtual int64_t integer(int col) const = 0;
    virtual std::string text(int col) const = 0;
    virtual std::string blob(int col) const = 0;
    // A BOOLEAN column (an INTEGER 0/1 in SQLite).
    virtual bool boolean(int col) const = 0;

    uint64_t count(int col) const { return static_cast<uint64_t>(integer(col)); }
};

}  // namespace mamori::collector
