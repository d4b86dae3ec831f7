#include <gtest/gtest.h>

#include "mamori/policy/TextEncoding.h"

using mamori::policy::TextEncoding;

namespace {

// 情報政策課 as a Japanese Windows saves it ("ANSI", CP932).
const std::string kCp932 = "\x8F\xEE\x95\xF1\x90\xAD\x8D\xF4\x89\xDB";

TEST(TextEncoding, StrictUtf8) {
    EXPECT_FALSE(TextEncoding::firstInvalidUtf8("課: 情報政策課\n"));
    EXPECT_FALSE(TextEncoding::firstInvalidUtf8("\xEF\xBB\xBFname: x\n"));  // Notepad's BOM is UTF-8
    EXPECT_EQ(TextEncoding::firstInvalidUtf8("ab\xC0\xAF"), 2u);           // overlong '/'
    EXPECT_EQ(TextEncoding::firstInvalidUtf8("a\xED\xA0\x80"), 1u);        // a surrogate
    EXPECT_EQ(TextEncoding::firstInvalidUtf8("a\xF4\x90\x80\x80"), 1u);    // beyond U+10FFFF
    EXPECT_EQ(TextEncoding::firstInvalidUtf8("name: " + kCp932), 6u);
}

TEST(TextEncoding, Cp932ConvertsOrSaysWhereItStopped) {
    std::size_t bad = 0;
    const auto text = TextEncoding::cp932ToUtf8("a: " + kCp932 + "\n", bad);
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, "a: 情報政策課\n");
    EXPECT_FALSE(TextEncoding::cp932ToUtf8("a: " + kCp932 + "\x80", bad));
    EXPECT_EQ(bad, 13u);
}

TEST(TextEncoding, PositionCountsLinesAndCharacters) {
    const std::string text = "name: x\n課名: \xFF";
    EXPECT_EQ(TextEncoding::position(text, text.size() - 1), (std::pair<int, int>{2, 5}));
    EXPECT_EQ(TextEncoding::position(text, 0), (std::pair<int, int>{1, 1}));
}

}  // namespace
