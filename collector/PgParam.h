#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace mamori::collector {

// One parameter of a libpq query. Text parameters go in PostgreSQL's text format; bytea goes
// in binary format, so hashes, signatures and event bodies are sent as they are instead of
// being hex-escaped and parsed again on the server.
//
// Integers, bytea and booleans carry their type, so the server need not infer it from the
// statement (it cannot in `length($1)` or `CASE WHEN $1 > x`); text stays untyped, so decimal
// text may still fill an integer or boolean column.
//
// A parameter made from a view borrows it: the caller keeps the bytes alive until the query
// returns. Integers are formatted into the parameter itself.
class PgParam {
public:
    static PgParam text(std::string_view s) { return PgParam(s, false); }
    static PgParam bytes(std::string_view s) { return PgParam(s, true, kBytea); }
    static PgParam integer(int64_t v) {
        PgParam p({}, false, kBigint);
        p.owned_ = std::to_string(v);
        p.owns_ = true;
        return p;
    }
    static PgParam boolean(bool v) { return PgParam(v ? "true" : "false", false, kBoolean); }
    // A value already in the server's binary format for type (an array, see PgArray).
    static PgParam binary(unsigned type, std::string bytes) {
        PgParam p({}, true, type);
        p.owned_ = std::move(bytes);
        p.owns_ = true;
        return p;
    }
    // SQL NULL.
    static PgParam null() {
        PgParam p({}, false);
        p.null_ = true;
        return p;
    }
    bool isNull() const { return null_; }

    const char* data() const { return owns_ ? owned_.data() : view_.data(); }
    int length() const { return static_cast<int>(owns_ ? owned_.size() : view_.size()); }
    bool binary() const { return binary_; }
    unsigned type() const { return type_; }  // a pg_type oid; 0: the server infers it

private:
    static constexpr unsigned kBoolean = 16, kBytea = 17, kBigint = 20;

    PgParam(std::string_view v, bool binary, unsigned type = 0) : view_(v), binary_(binary), type_(type) {}

    std::string_view view_;
    std::string owned_;
    bool owns_ = false;
    bool binary_ = false;
    unsigned type_ = 0;
    bool null_ = false;
};

}  // namespace mamori::collector
