#include "collector/PgSqlConnection.h"

#include <algorithm>
#include <unordered_map>

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

// Each event is 13 parameters; PostgreSQL allows 65535 per statement.
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

std::vector<bool> PgSqlConnection::insertRows(const SqlRows& rows) {
    // One multi-row INSERT per chunk: a round trip per row would cost more than the insert.
    // RETURNING names the rows actually inserted; the others were already stored.
    const size_t count = rows.values.size() / rows.width;
    const size_t per_statement = std::max<size_t>(1, std::min(kRowsPerInsert, 60000 / rows.width));
    std::unordered_map<std::string, int> inserted;  // key → times inserted (rows may repeat a key)
    auto key_of = [&](size_t r) {
        const SqlParam& k = rows.values[r * rows.width + rows.key_index];
        return k.kind() == SqlParam::Kind::Integer ? std::to_string(k.number()) : std::string(k.bytes());
    };
    auto at = [&](size_t r, size_t i) -> const SqlParam& { return rows.values[r * rows.width + i]; };
    for (size_t start = 0; start < count; start += per_statement) {
        const size_t end = std::min(count, start + per_statement);
        std::string sql = "INSERT INTO " + std::string(rows.table) + " (" + std::string(rows.columns) + ") VALUES ";
        std::vector<PgParam> params;
        params.reserve((end - start) * rows.width);
        // A column with one value in every row (the terminal of a batch) is sent once and named
        // by every row: fewer parameters to send, convert and parse.
        std::vector<size_t> shared(rows.width, 0);  // the column's parameter number, 0: per row
        for (size_t i = 0; i < rows.width && end - start > 1; ++i) {
            bool same = true;
            for (size_t r = start + 1; r < end && same; ++r) same = sameValue(at(r, i), at(start, i));
            if (!same) continue;
            params.push_back(pg(at(start, i)));
            shared[i] = params.size();
        }
        for (size_t r = start; r < end; ++r) {
            sql += r == start ? "(" : ",(";
            for (size_t i = 0; i < rows.width; ++i) {
                if (shared[i] == 0) params.push_back(pg(at(r, i)));
                sql += (i ? ",$" : "$") + std::to_string(shared[i] ? shared[i] : params.size());
            }
            sql += ')';
        }
        sql += " " + std::string(rows.suffix);
        if (!rows.key.empty()) sql += " RETURNING " + std::string(rows.key);
        const PgResult r = c_.exec(sql, params);
        for (int i = 0; !rows.key.empty() && i < r.rows(); ++i) ++inserted[r.text(i, 0)];
    }
    std::vector<bool> out;
    if (rows.key.empty()) return out;
    out.reserve(count);
    for (size_t r = 0; r < count; ++r) {
        auto it = inserted.find(key_of(r));
        const bool in = it != inserted.end() && it->second > 0;
        if (in) --it->second;
        out.push_back(in);
    }
    return out;
}

}  // namespace mamori::collector
