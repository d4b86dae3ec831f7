// PgArray: the bytes of PostgreSQL's binary array format (array_recv), checked by hand; the
// server's acceptance of them is tested in tests/integration/PgSqlConnection_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "collector/PgArray.h"

namespace {

using mamori::collector::PgArray;
using mamori::collector::SqlParam;

std::string bytesOf(const mamori::collector::PgParam& p) { return std::string(p.data(), static_cast<size_t>(p.length())); }

TEST(PgArray, IntegersWithANullAreBigEndianAfterTheHeader) {
    PgArray a(SqlParam::Kind::Integer, 2);
    a.add(SqlParam::integer(int64_t{0x0102030405060708}));
    a.add(SqlParam::null());
    const auto p = std::move(a).param();
    EXPECT_TRUE(p.binary());
    EXPECT_EQ(p.type(), 1016u);  // int8[]
    const std::string want("\0\0\0\1" "\0\0\0\1" "\0\0\0\x14" "\0\0\0\2" "\0\0\0\1"  // 1 dim, has null, int8, 2, from 1
                           "\0\0\0\x08" "\1\2\3\4\5\6\7\x08"                             // 8 bytes
                           "\xff\xff\xff\xff",                                          // NULL
                           36);
    EXPECT_EQ(bytesOf(p), want);
}

TEST(PgArray, TextBlobsAndBooleansKeepTheirBytes) {
    PgArray text(SqlParam::Kind::Text, 1);
    text.add(SqlParam::text("課"));
    const auto t = std::move(text).param();
    EXPECT_EQ(t.type(), 1009u);  // text[]
    EXPECT_EQ(bytesOf(t).substr(20), std::string("\0\0\0\3" "\xe8\xaa\xb2", 7));
    EXPECT_EQ(bytesOf(t).substr(4, 4), std::string("\0\0\0\0", 4));  // no NULL

    PgArray blob(SqlParam::Kind::Blob, 1);
    blob.add(SqlParam::blob(std::string("\0\xff", 2)));
    const auto b = std::move(blob).param();
    EXPECT_EQ(b.type(), 1001u);  // bytea[]
    EXPECT_EQ(bytesOf(b).substr(20), std::string("\0\0\0\2\0\xff", 6));

    PgArray flags(SqlParam::Kind::Boolean, 2);
    flags.add(SqlParam::boolean(true));
    flags.add(SqlParam::boolean(false));
    const auto f = std::move(flags).param();
    EXPECT_EQ(f.type(), 1000u);  // bool[]
    EXPECT_EQ(bytesOf(f).substr(20), std::string("\0\0\0\1\1\0\0\0\1\0", 10));
}

TEST(PgArray, AnEmptyArrayHasItsHeaderOnly) {
    const auto p = PgArray(SqlParam::Kind::Text, 0).param();
    EXPECT_EQ(bytesOf(p), std::string("\0\0\0\1" "\0\0\0\0" "\0\0\0\x19" "\0\0\0\0" "\0\0\0\1", 20));
}

TEST(PgArray, NullHasNoArrayType) {
    EXPECT_FALSE(PgArray::arrayType(SqlParam::Kind::Null));
    EXPECT_EQ(PgArray::arrayType(SqlParam::Kind::Integer), 1016u);
}

}  // namespace
