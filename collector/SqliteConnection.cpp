#include "collector/SqliteConnection.h"

namespace mamori::collector {
namespace {

void bind(common::SqliteStatement& s, std::span<const SqlParam> params) {
    int index = 1;
    for (const SqlParam& p : params) {
        switch (p.kind()) {
            case SqlParam::Kind::Null: s.bindNull(index); break;
            case SqlParam::Kind::Integer:
            case SqlParam::Kind::Boolean: s.bindInt(index, p.number()); break;
            case SqlParam::Kind::Text: s.bindTextNoCopy(index, p.bytes()); break;
            case SqlParam::Kind::Blob: s.bindBlobNoCopy(index, p.bytes()); break;
        }
        ++index;
    }
}

}  // namespace

class SqliteConnection::Row final : public SqlRow {
public:
    explicit Row(const common::SqliteStatement& s) : s_(s) {}
    bool isNull(int col) const override { return s_.columnIsNull(col); }
    int64_t integer(int col) const override { return s_.columnInt(col); }
    std::string text(int col) const override { return s_.columnText(col); }
    std::string blob(int col) const override { return s_.columnBlob(col); }
    bool boolean(int col) const override { return s_.columnInt(col) != 0; }

private:
    const common::SqliteStatement& s_;
};

int64_t SqliteConnection::run(const std::string& sql, std::span<const SqlParam> params, const RowReader& row) {
    auto s = db_.prepare(sql);
    bind(s, params);
    while (s.step())
        if (row) row(Row(s));
    return db_.changes();
}

void SqliteConnection::insertRows(const SqlRows& rows) {
    // One statement, bound again for each row: SQLite runs in this process, so a row costs no
    // round trip.
    std::string marks;
    for (size_t i = 1; i <= rows.width; ++i) marks += (i > 1 ? ", ?" : "?") + std::to_string(i);
    auto s = db_.prepare("INSERT INTO " + std::string(rows.table) + " (" + std::string(rows.columns) + ") VALUES (" +
                         marks + ")");
    for (size_t start = 0; start < rows.values.size(); start += rows.width) {
        s.reset();
        bind(s, rows.values.subspan(start, rows.width));
        s.run();
    }
}

}  // namespace mamori::collector
