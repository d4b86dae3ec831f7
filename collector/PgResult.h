#pragma once
#include <libpq-fe.h>

#include <cstdint>
#include <string>

namespace mamori::collector {

// The rows of one libpq query, in text format. Owns the PGresult.
class PgResult {
public:
    explicit PgResult(PGresult* r) : r_(r) {}
    ~PgResult() { PQclear(r_); }
    PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
    PgResult& operator=(PgResult&& o) noexcept;
    PgResult(const PgResult&) = delete;
    PgResult& operator=(const PgResult&) = delete;

    int rows() const { return PQntuples(r_); }
    // Rows changed by an INSERT, UPDATE or DELETE.
    int64_t affected() const;
    bool isNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
    std::string text(int row, int col) const;
    int64_t integer(int row, int col) const;
    bool boolean(int row, int col) const;
    // A bytea column: the text format is "\x" + hex, decoded here.
    std::string bytes(int row, int col) const;

private:
    PGresult* r_;
};

}  // namespace mamori::collector
