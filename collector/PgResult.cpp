#include "collector/PgResult.h"

#include <stdexcept>
#include <utility>

namespace mamori::collector {

PgResult& PgResult::operator=(PgResult&& o) noexcept {
    if (this != &o) {
        PQclear(r_);
        r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
}

int64_t PgResult::affected() const {
    const char* n = PQcmdTuples(r_);
    return (n && *n) ? std::stoll(n) : 0;
}

std::string PgResult::text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
}

int64_t PgResult::integer(int row, int col) const {
    if (isNull(row, col)) return 0;
    return std::stoll(PQgetvalue(r_, row, col));
}

bool PgResult::boolean(int row, int col) const { return PQgetvalue(r_, row, col)[0] == 't'; }

std::string PgResult::bytes(int row, int col) const {
    size_t n = 0;
    unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_, row, col)), &n);
    if (!raw) throw std::runtime_error("cannot decode a bytea value from PostgreSQL");
    std::string out(reinterpret_cast<const char*>(raw), n);
    PQfreemem(raw);
    return out;
}

}  // namespace mamori::collector
