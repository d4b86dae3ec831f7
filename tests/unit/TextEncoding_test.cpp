#include <gtest/gtest.h>

#include "mamori/policy/TextEncoding.h"

using mamori::policy::TextEncoding;
using Kind = TextEncoding::Kind;

namespace {

// 情報政策課 as a Japanese Windows saves it ("ANSI", CP932).
const std::string kCp932 = "\x8F\xEE\x95\xF1\x90\xAD\x8D\xF4\x89\xDB";

TEST(TextEncoding, Utf8WithOrWithoutBomIsTheTextWithoutIt) {
    const auto plain = TextEncoding::detect("課: 情報政策課\n");
    EXPECT_EQ(plain.kind, Kind::Utf8);
    EXPECT_FALSE(plain.utf8_bom);
    EXPECT_EQ(plain.text, "課: 情報政策課\n");
    const auto bom = TextEncoding::detect("\xEF\xBB\xBF課: 情報政策課\n");
    EXPECT_EQ(bom.kind, Kind::Utf8);
    EXPECT_TRUE(bom.utf8_bom);
    EXPECT_EQ(bom.text, "課: 情報政策課\n");
}

TEST(TextEncoding, ShiftJisIsConvertedAndItsFirstNonUtf8ByteKept) {
    const auto d = TextEncoding::detect("name: x\nsection: " + kCp932 + "\n");
    EXPECT_EQ(d.kind, Kind::ShiftJis);
    EXPECT_EQ(d.text, "name: x\nsection: 情報政策課\n");
    EXPECT_EQ(d.first_invalid, 17u);
}

TEST(TextEncoding, Utf16ByItsBomEitherWay) {
    EXPECT_EQ(TextEncoding::detect(std::string("\xFF\xFEn\0", 4)).kind, Kind::Utf16);
    EXPECT_EQ(TextEncoding::detect(std::string("\xFE\xFF\0n", 4)).kind, Kind::Utf16);
}

TEST(TextEncoding, NeitherPointsWhereTheLikelierReadingBroke) {
    // Valid CP932 up to the damaged FD byte: the reading as Shift_JIS got further than UTF-8's.
    const auto d = TextEncoding::detect("a: " + kCp932 + "\xFD\n");
    EXPECT_EQ(d.kind, Kind::Unknown);
    EXPECT_EQ(d.first_invalid, 3u);
    EXPECT_EQ(d.broken_at, 13u);
    // Overlong forms and surrogates are not UTF-8.
    EXPECT_NE(TextEncoding::detect("\xC0\xAF").kind, Kind::Utf8);
    EXPECT_NE(TextEncoding::detect("\xED\xA0\x80").kind, Kind::Utf8);
    // A BOM promises UTF-8, so what follows is not read as Shift_JIS.
    const auto bom = TextEncoding::detect("\xEF\xBB\xBF" + kCp932);
    EXPECT_EQ(bom.kind, Kind::Unknown);
    EXPECT_EQ(bom.first_invalid, 3u);
}

TEST(TextEncoding, PositionCountsLinesAndCharactersButNotTheBom) {
    const std::string text = "\xEF\xBB\xBFname: x\n課名: \xFF";
    const auto at = TextEncoding::positionOf(text, text.size() - 1);
    EXPECT_EQ(at.line, 2);
    EXPECT_EQ(at.column, 5);
    EXPECT_EQ(TextEncoding::positionOf(text, 3).column, 1);
}

}  // namespace
