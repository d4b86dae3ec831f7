#include "collector/PgSqlConnection.h"

#include <algorithm>

#include "collector/PgArray.h"

namespace mamori::collector {
namespace {

// PostgreSQL numbers parameters $1..$n; the shared SQL writes ?1..?n and never a bare '?'.
std::string numbered(const std::string& sql) {
    std::string out = sql;
    std::replace(out.begin(), out.end(), '?', '$');
    return out;
}

PgParam pg(const SqlParam& p) {
    switch (p.kind()) {
        case SqlParam::Kind::Null: return PgParam::null();
        case SqlParam::Kind::Integer: return PgParam::integer(p.number());
        case SqlParam::Kind::Boolean: return PgParam::boolean(p.number() != 0);
        case SqlParam::Kind::Text: return PgParam::text(p.bytes());
        case SqlParam::Kind::Blob: break;
    }
    return PgParam::bytes(p.bytes());
}

bool sameValue(const SqlParam& a, const SqlParam& b) {
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
        case SqlParam::Kind::Null: return true;
        case SqlParam::Kind::Integer:
        case SqlParam::Kind::Boolean: return a.number() == b.number();
        case SqlParam::Kind::Text:
        case SqlParam::Kind::Blob: return a.bytes() == b.bytes();
    }
    return false;
}

// The INSERT of rows whose values come from source (a SELECT or VALUES).
std::string insertInto(const SqlRows& rows, const std::string& source) {
    return "INSERT INTO " + std::string(rows.table) + " (" + std::string(rows.columns) + ") " + source;
}

// Rows per statement. As VALUES, each value is a parameter, and PostgreSQL takes at most 65535.
constexpr size_t kRowsPerInsert = 1000;

}  // namespace

class PgSqlConnection::Row final : public SqlRow {
public:
    Row(const PgResult& r, int row) : r_(r), row_(row) {}
    bool isNull(int col) const override { return r_.isNull(row_, col); }
    int64_t integer(int col) const override { return r_.integer(row_, col); }
    std::string text(int col) const override { return r_.text(row_, col); }
    std::string blob(int col) const override { return r_.bytes(row_, col); }
    bool boolean(int col) const override { return r_.boolean(row_, col); }

private:
    const PgResult& r_;
    int row_;
};

int64_t PgSqlConnection::run(const std::string& sql, std::span<const SqlParam> params, const RowReader& row) {
    std::vector<PgParam> pg_params;
    pg_params.reserve(params.size());
    for (const SqlParam& p : params) pg_params.push_back(pg(p));
    const PgResult r = c_.exec(numbered(sql), pg_params);
    if (row)
        for (int i = 0; i < r.rows(); ++i) row(Row(r, i));
    return r.affected();
}

void PgSqlConnection::insertRows(const SqlRows& rows) {
    const size_t count = rows.values.size() / rows.width;
    auto at = [&](size_t r, size_t i) -> const SqlParam& { return rows.values[r * rows.width + i]; };
    const size_t per_statement = std::max<size_t>(1, std::min(kRowsPerInsert, 60000 / rows.width));
    for (size_t start = 0; start < count; start += per_statement) {
        const size_t end = std::min(count, start + per_statement);
        // Each column is sent once: as one value when every row has the same (the terminal of
        // a batch), else as an array of its values, which unnest() turns back into rows. A column
        // whose values are of different kinds cannot be one array: such rows go as VALUES.
        std::vector<SqlParam::Kind> kinds(rows.width, SqlParam::Kind::Null);
        std::vector<bool> shared(rows.width, true);
        bool arrays_fit = true;
        for (size_t i = 0; i < rows.width; ++i) {
            for (size_t r = start; r < end; ++r) {
                const SqlParam& v = at(r, i);
                if (r > start && !sameValue(v, at(start, i))) shared[i] = false;
                if (v.kind() == SqlParam::Kind::Null) continue;
                if (kinds[i] != SqlParam::Kind::Null && kinds[i] != v.kind()) arrays_fit = false;
                kinds[i] = v.kind();
            }
            if (!shared[i] && kinds[i] == SqlParam::Kind::Null) shared[i] = true;  // all NULL
        }
        if (arrays_fit) insertAsArrays(rows, start, end, kinds, shared);
        else insertAsValues(rows, start, end);
    }
}

void PgSqlConnection::insertAsArrays(const SqlRows& rows, size_t start, size_t end,
                                     const std::vector<SqlParam::Kind>& kinds, const std::vector<bool>& shared) {
    std::vector<PgParam> params;
    std::string select, arrays, names;
    for (size_t i = 0; i < rows.width; ++i) {
        const SqlParam& first = rows.values[start * rows.width + i];
        if (i) select += ", ";
        if (shared[i]) {
            params.push_back(pg(first));
            select += "$" + std::to_string(params.size());
            continue;
        }
        PgArray array(kinds[i], end - start);
        for (size_t r = start; r < end; ++r) array.add(rows.values[r * rows.width + i]);
        params.push_back(std::move(array).param());
        const std::string column = "c" + std::to_string(i);
        select += "u." + column;
        arrays += (arrays.empty() ? "$" : ", $") + std::to_string(params.size());
        names += (names.empty() ? "" : ", ") + column;
    }
    std::string sql = "SELECT " + select;
    if (!arrays.empty()) sql += " FROM unnest(" + arrays + ") AS u(" + names + ")";
    c_.exec(insertInto(rows, sql), params);
}

void PgSqlConnection::insertAsValues(const SqlRows& rows, size_t start, size_t end) {
    auto at = [&](size_t r, size_t i) -> const SqlParam& { return rows.values[r * rows.width + i]; };
    std::string sql = "VALUES ";
    std::vector<PgParam> params;
    params.reserve((end - start) * rows.width);
    for (size_t r = start; r < end; ++r) {
        sql += r == start ? "(" : ",(";
        for (size_t i = 0; i < rows.width; ++i) {
            params.push_back(pg(at(r, i)));
            sql += (i ? ",$" : "$") + std::to_string(params.size());
        }
        sql += ')';
    }
    c_.exec(insertInto(rows, sql), params);
}

}  // namespace mamori::collector
