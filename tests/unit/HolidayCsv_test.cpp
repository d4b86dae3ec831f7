#include <gtest/gtest.h>

#include "mamori/policy/HolidayCsv.h"

#include <iconv.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using mamori::policy::HolidayCsv;

namespace {

// The head of the Cabinet Office file as published (CRLF, no BOM).
const std::string kOfficial =
    "国民の祝日・休日月日,国民の祝日・休日名称\r\n"
    "2026/1/1,元日\r\n"
    "2026/1/12,成人の日\r\n"
    "2026/2/11,建国記念の日\r\n"
    "2026/2/23,天皇誕生日\r\n"
    "2026/5/6,休日\r\n";

std::string toCp932(const std::string& utf8) {
    iconv_t cd = iconv_open("CP932", "UTF-8");
    EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
    std::string out(utf8.size() * 2 + 16, '\0');
    char* src = const_cast<char*>(utf8.data());
    std::size_t src_left = utf8.size();
    char* dst = out.data();
    std::size_t dst_left = out.size();
    EXPECT_NE(iconv(cd, &src, &src_left, &dst, &dst_left), static_cast<std::size_t>(-1));
    iconv_close(cd);
    out.resize(out.size() - dst_left);
    return out;
}

void expectOfficial(const HolidayCsv::Result& r) {
    ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].format());
    ASSERT_EQ(r.entries.size(), 5u);
    EXPECT_EQ(r.entries[0], (HolidayCsv::Entry{"2026-01-01", "元日"}));
    EXPECT_EQ(r.entries[1], (HolidayCsv::Entry{"2026-01-12", "成人の日"}));
    EXPECT_EQ(r.entries[4], (HolidayCsv::Entry{"2026-05-06", "休日"}));
}

bool hasJapanese(const std::string& s) {
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0xE3 && b <= 0xE9) return true;
    }
    return false;
}

// One malformed file, one error: where it is and both languages.
mamori::policy::PolicyError onlyError(const std::string& bytes) {
    const auto r = HolidayCsv::parse(bytes, "syukujitsu.csv");
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.entries.empty());
    EXPECT_EQ(r.errors.size(), 1u);
    if (r.errors.empty()) return {};
    EXPECT_EQ(r.errors[0].file, "syukujitsu.csv");
    EXPECT_FALSE(r.errors[0].message.empty());
    EXPECT_TRUE(hasJapanese(r.errors[0].message_ja)) << r.errors[0].message_ja;
    return r.errors[0];
}

TEST(HolidayCsv, Utf8WithoutBom) { expectOfficial(HolidayCsv::parse(kOfficial, "syukujitsu.csv")); }

TEST(HolidayCsv, Utf8WithBom) { expectOfficial(HolidayCsv::parse("\xEF\xBB\xBF" + kOfficial, "syukujitsu.csv")); }

TEST(HolidayCsv, ShiftJis) {
    const std::string sjis = toCp932(kOfficial);
    ASSERT_NE(sjis, kOfficial);
    expectOfficial(HolidayCsv::parse(sjis, "syukujitsu.csv"));
}

TEST(HolidayCsv, ShiftJisWithCp932OnlyCharacters) {
    // ① and ㈱ exist only in Microsoft's CP932, which is what Excel writes as "Shift_JIS".
    const auto r = HolidayCsv::parse(toCp932("2026/1/1,元日①㈱\n"), "x.csv");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.entries[0].name, "元日①㈱");
}

TEST(HolidayCsv, QuotedFieldsLfEndingsAndNoHeader) {
    const auto r = HolidayCsv::parse("\"2026/01/01\",\"元日\"\n2026-11-03,文化の日,,\n\n", "x.csv");
    ASSERT_TRUE(r.ok()) << r.errors[0].format();
    ASSERT_EQ(r.entries.size(), 2u);
    EXPECT_EQ(r.entries[0].date, "2026-01-01");
    EXPECT_EQ(r.entries[1], (HolidayCsv::Entry{"2026-11-03", "文化の日"}));
}

TEST(HolidayCsv, ParseFileReadsShiftJisFromDisk) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mamori-csv-XXXXXX").string();
    const std::filesystem::path dir = mkdtemp(tmpl.data());
    std::ofstream(dir / "syukujitsu.csv", std::ios::binary) << toCp932(kOfficial);
    expectOfficial(HolidayCsv::parseFile(dir / "syukujitsu.csv"));
    std::filesystem::remove_all(dir);

    const auto missing = HolidayCsv::parseFile("/nonexistent/syukujitsu.csv");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.errors[0].file, "/nonexistent/syukujitsu.csv");
}

TEST(HolidayCsv, InvalidDateNamesLineAndColumn) {
    const auto e = onlyError(kOfficial + "2026/2/30,天皇誕生日\r\n");
    EXPECT_EQ(e.line, 7);
    EXPECT_EQ(e.column, 1);
    EXPECT_NE(e.message.find("\"2026/2/30\" is not a date"), std::string::npos) << e.message;
    EXPECT_NE(e.format().find("syukujitsu.csv:7:1: error:"), std::string::npos);
}

TEST(HolidayCsv, MalformedRows) {
    auto at = [](const std::string& bytes, int line, int column, const std::string& fragment) {
        const auto e = onlyError(bytes);
        EXPECT_EQ(e.line, line) << e.format();
        EXPECT_EQ(e.column, column) << e.format();
        EXPECT_NE(e.message.find(fragment), std::string::npos) << e.format();
    };
    at("国民の祝日・休日月日,国民の祝日・休日名称\n2026/1/1\n", 2, 9, "name is missing");
    at("国民の祝日・休日月日,国民の祝日・休日名称\n2026/1/1, \n", 2, 10, "name is missing");
    at("2026/1/1,元日\n2026/13/1,元日\n", 2, 1, "is not a date");
    at("2026/1/1,元日\n26/1/1,元日\n", 2, 1, "is not a date");
    at("2026/1/1,元日\n2026/1/x,元日\n", 2, 1, "is not a date");
    at("2026/1/1,元日\n2026/1/2,元日,extra\n", 2, 13, "third column");
    at("2026/1/1,元日\n\"2026/1/2,元日\n", 2, 1, "quoted field is not closed");
    at("祝日一覧\n2026/1/1,元日\n", 1, 1, "after the header");
    at("", 0, 0, "lists no holidays");
    at("国民の祝日・休日月日,国民の祝日・休日名称\r\n", 0, 0, "lists no holidays");
}

TEST(HolidayCsv, NeitherUtf8NorShiftJis) {
    const auto e = onlyError("2026/1/1,元日\n2026/1/2,\xFD\xFD\n");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 10);
    EXPECT_NE(e.message.find("neither UTF-8 nor Shift_JIS"), std::string::npos);

    const auto bom = onlyError("\xEF\xBB\xBF" "2026/1/1,\x93\xFA\n");  // BOM, then Shift_JIS bytes
    EXPECT_EQ(bom.line, 1);
    EXPECT_NE(bom.message.find("BOM"), std::string::npos);
}

TEST(HolidayCsv, EveryBadRowIsReported) {
    const auto r = HolidayCsv::parse("2026/1/1,元日\n2026/2/30,x\n2026/1/3\n2026/1/4,ok\n", "x.csv");
    ASSERT_EQ(r.errors.size(), 2u);
    EXPECT_EQ(r.errors[0].line, 2);
    EXPECT_EQ(r.errors[1].line, 3);
    EXPECT_TRUE(r.entries.empty());  // never half a list
}

TEST(HolidayCsv, OversizedInputIsRefused) {
    const auto e = onlyError(std::string(HolidayCsv::kMaxBytes + 1, 'a'));
    EXPECT_EQ(e.line, 0);
    EXPECT_NE(e.message.find("larger than 1 MiB"), std::string::npos);
}

}  // namespace
