// Text that reaches mamori from people and other programs: configuration files edited by hand,
// enrollment tokens pasted into installers, and the reports administrators open in Excel or read
// in a terminal. Malformed input must be refused with a message that says where, never misread.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "collector/ReportTable.h"
#include "mamori/common/ConfigFile.h"
#include "mamori/proto/EnrollmentToken.h"

using mamori::collector::ReportTable;
using mamori::common::ConfigFile;
using mamori::proto::EnrollmentToken;

namespace {

const std::set<std::string> kKeys = {"collector", "state_dir", "journal_max_bytes", "log_level"};
const std::string kFingerprint = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

ConfigFile parse(const std::string& text) { return ConfigFile::parse(text, "agent.conf", kKeys); }

// The message of the ConfigFile::Error that parsing text throws; fails the test if none does.
std::string parseError(const std::string& text) {
    try {
        parse(text);
    } catch (const ConfigFile::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no error for: " << text;
    return {};
}

std::string intError(const std::string& value) {
    auto cfg = parse("journal_max_bytes = " + value + "\n");
    try {
        cfg.getInt("journal_max_bytes", 0, 65536, 1LL << 40);
    } catch (const ConfigFile::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no error for value: " << value;
    return {};
}

}  // namespace

// --- ConfigFile ---------------------------------------------------------------------------

TEST(ConfigFile, ReadsKeysValuesCommentsAndBlankLines) {
    auto cfg = parse(
        "# mamori agent\n"
        "\n"
        "collector = https://collector.city.lg.jp:8443, https://backup:8443\n"
        "\tstate_dir\t=\t/var/lib/mamori  \n"
        "   # indented comment\n"
        "log_level=debug");  // no newline at the end of the last line
    EXPECT_EQ(cfg.get("collector"), "https://collector.city.lg.jp:8443, https://backup:8443");
    EXPECT_EQ(cfg.get("state_dir"), "/var/lib/mamori");
    EXPECT_EQ(cfg.get("log_level"), "debug");
    EXPECT_FALSE(cfg.get("journal_max_bytes").has_value());
    EXPECT_EQ(cfg.get("journal_max_bytes", "64"), "64");
}

TEST(ConfigFile, WindowsLineEndingsAreNotPartOfValues) {
    auto cfg = parse("state_dir = /srv/mamori\r\nlog_level = info\r\n");
    EXPECT_EQ(cfg.get("state_dir"), "/srv/mamori");
    EXPECT_EQ(cfg.get("log_level"), "info");
}

TEST(ConfigFile, ByteOrderMarkIsNotPartOfTheFirstKey) {
    auto cfg = parse("\xEF\xBB\xBF" "state_dir = /srv/mamori\n");
    EXPECT_EQ(cfg.get("state_dir"), "/srv/mamori");
}

TEST(ConfigFile, OnlyTheFirstEqualsSignSeparatesKeyFromValue) {
    auto cfg = parse("collector = https://host:8443/?a=b=c\n");
    EXPECT_EQ(cfg.get("collector"), "https://host:8443/?a=b=c");
}

TEST(ConfigFile, AnEmptyValueIsAValue) {
    auto cfg = parse("log_level =\n");
    EXPECT_EQ(cfg.get("log_level"), "");
}

TEST(ConfigFile, LineWithoutEqualsNamesFileAndLine) {
    std::string e = parseError("state_dir = /x\n\n# note\nlog_level debug\n");
    EXPECT_EQ(e.rfind("agent.conf:4: ", 0), 0u) << e;
    EXPECT_NE(e.find("log_level debug"), std::string::npos) << e;
}

TEST(ConfigFile, LineNumbersCountCrLfLinesOnce) {
    std::string e = parseError("state_dir = /x\r\n\r\nbroken\r\n");
    EXPECT_EQ(e.rfind("agent.conf:3: ", 0), 0u) << e;
}

TEST(ConfigFile, MissingKeyIsRefused) {
    std::string e = parseError("  = /var/lib/mamori\n");
    EXPECT_EQ(e.rfind("agent.conf:1: ", 0), 0u) << e;
    EXPECT_NE(e.find("missing key"), std::string::npos) << e;
}

TEST(ConfigFile, UnknownKeyListsTheKnownOnes) {
    std::string e = parseError("state_dir = /x\nstatedir = /y\n");
    EXPECT_EQ(e.rfind("agent.conf:2: ", 0), 0u) << e;
    EXPECT_NE(e.find("'statedir'"), std::string::npos) << e;
    for (const auto& k : kKeys) EXPECT_NE(e.find(k), std::string::npos) << k << " not listed in: " << e;
}

TEST(ConfigFile, KeysAreCaseSensitive) {
    EXPECT_NE(parseError("State_Dir = /x\n").find("unknown key"), std::string::npos);
}

TEST(ConfigFile, DuplicateKeyNamesTheFirstLine) {
    std::string e = parseError("# header\nlog_level = info\nstate_dir = /x\nlog_level = debug\n");
    EXPECT_EQ(e.rfind("agent.conf:4: ", 0), 0u) << e;
    EXPECT_NE(e.find("line 2"), std::string::npos) << e;
}

TEST(ConfigFile, ASpaceInsideAKeyIsNotTrimmedAway) {
    EXPECT_NE(parseError("state dir = /x\n").find("unknown key 'state dir'"), std::string::npos);
}

TEST(ConfigFile, IntegersMustBeWholeNumbersInRange) {
    EXPECT_EQ(parse("journal_max_bytes = 1048576\n").getInt("journal_max_bytes", 0, 65536, 1LL << 40), 1048576);
    EXPECT_EQ(parse("").getInt("journal_max_bytes", 777, 0, 1000), 777);  // absent: the default, unchecked
    for (const std::string bad : {"", "abc", "12abc", "1 000", "1.5", "0x100000", "+1048576", "1e6",
                                  "99999999999999999999999", "-1", "100"}) {
        std::string e = intError(bad);
        EXPECT_EQ(e.rfind("agent.conf:1: ", 0), 0u) << bad << ": " << e;
        EXPECT_NE(e.find("65536 to 1099511627776"), std::string::npos) << bad << ": " << e;
    }
}

TEST(ConfigFile, DurationsAreAWholeNumberAndAUnitInRange) {
    using std::chrono::seconds;
    auto duration = [](const std::string& value) {
        return parse("log_level = " + value + "\n").getDuration("log_level", seconds(7), seconds(10), std::chrono::days(3650));
    };
    EXPECT_EQ(duration("825d"), std::chrono::days(825));
    EXPECT_EQ(duration("12h"), std::chrono::hours(12));
    EXPECT_EQ(duration("30m"), std::chrono::minutes(30));
    EXPECT_EQ(duration("20s"), seconds(20));
    EXPECT_EQ(parse("").getDuration("log_level", seconds(7), seconds(10), seconds(20)), seconds(7)) << "absent";
    for (const std::string bad : {"825", "d", "5x", "1.5d", "-3d", "3 d", "3dd", "9s", "3651d", "99999999999999999999d",
                                  "106751991167300d", ""}) {
        try {
            duration(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const ConfigFile::Error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("agent.conf:1: 'log_level' must be a duration from 10s to 3650d"), std::string::npos)
                << what;
            EXPECT_NE(what.find("found '" + bad + "'"), std::string::npos) << what;
        }
    }
}

TEST(ConfigFile, NulAndNonUtf8BytesDoNotEndTheLineOrTheFile) {
    const char text[] = "state_dir = /a\0b\nlog_level = \xff\xfe\n";
    auto cfg = parse(std::string(text, sizeof text - 1));
    EXPECT_EQ(cfg.get("state_dir"), std::string("/a\0b", 4));
    EXPECT_EQ(cfg.get("log_level"), "\xff\xfe");
}

// --- EnrollmentToken ----------------------------------------------------------------------

TEST(EnrollmentToken, GeneratedTokensRoundTrip) {
    auto t = EnrollmentToken::generate(kFingerprint);
    EXPECT_GE(t.secret.size(), 32u);
    auto back = EnrollmentToken::parse(t.str());
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->secret, t.secret);
    EXPECT_EQ(back->ca_fingerprint, kFingerprint);
    EXPECT_EQ(back->secretHash(), t.secretHash());
    EXPECT_NE(t.secretHash(), t.secret);  // the collector stores the hash, never the secret
    EXPECT_NE(EnrollmentToken::generate(kFingerprint).secret, t.secret);
}

TEST(EnrollmentToken, FingerprintInCapitalsPinsTheSameCollector) {
    std::string upper = kFingerprint;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto t = EnrollmentToken::parse("mamori1.AbCdEfGhIjKlMnOp_-0123456789." + upper);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->ca_fingerprint, kFingerprint);
}

TEST(EnrollmentToken, MalformedTokensAreRefused) {
    const std::string secret = "AbCdEfGhIjKlMnOp_-0123456789";
    ASSERT_TRUE(EnrollmentToken::parse("mamori1." + secret + "." + kFingerprint));
    const std::vector<std::string> malformed = {
        "",
        "mamori1.",
        "mamori1." + secret,                                      // no fingerprint
        "mamori1." + secret + ".",                                // empty fingerprint
        "mamori1.." + kFingerprint,                               // empty secret
        "mamori1.AbCdEfGhIjKlMnO." + kFingerprint,                // 15 characters: too short to be secret
        "mamori2." + secret + "." + kFingerprint,                 // another version
        "MAMORI1." + secret + "." + kFingerprint,                 // the prefix is exact
        "mamori1" + secret + "." + kFingerprint,                  // no dot after the prefix
        " mamori1." + secret + "." + kFingerprint,                // pasted with a space
        "mamori1." + secret + "." + kFingerprint + "\n",          // pasted with a newline
        "mamori1." + secret + "+/=." + kFingerprint,              // standard base64, not base64url
        "mamori1." + secret + "." + kFingerprint.substr(1),       // 63 hex digits
        "mamori1." + secret + "." + kFingerprint + "0",           // 65 hex digits
        "mamori1." + secret + "." + kFingerprint.substr(1) + "g",
        "mamori1." + secret + ".x." + kFingerprint,               // an extra part
        "mamori1.秘密秘密秘密秘密秘密秘密." + kFingerprint,       // not ASCII
        std::string("mamori1.AbCdEfGhIjKlMnOp\0q.", 27) + kFingerprint,
    };
    for (const auto& bad : malformed) {
        EXPECT_FALSE(EnrollmentToken::parse(bad).has_value()) << "accepted: " << bad;
    }
}

// --- ReportTable --------------------------------------------------------------------------

TEST(ReportTable, CsvStartsWithOneByteOrderMarkAndUsesCrLf) {
    ReportTable t({"section", "terminal"});
    t.add({"総務課", "pc-00001"});
    t.add({"税務課", "pc-00002"});
    const std::string csv = t.csv();
    EXPECT_EQ(csv, "\xEF\xBB\xBFsection,terminal\r\n総務課,pc-00001\r\n税務課,pc-00002\r\n");
    EXPECT_EQ(csv.find("\xEF\xBB\xBF", 1), std::string::npos);
}

TEST(ReportTable, CsvQuotesCommasQuotesAndLineBreaks) {
    ReportTable t({"terminal", "detail"});
    t.add({"pc,1", "plain"});
    t.add({"say \"hi\"", "line1\nline2"});
    t.add({"cr\ronly", ""});
    t.add({"  spaced  ", "a;b\tc"});
    EXPECT_EQ(t.csv(),
              "\xEF\xBB\xBFterminal,detail\r\n"
              "\"pc,1\",plain\r\n"
              "\"say \"\"hi\"\"\",\"line1\nline2\"\r\n"
              "\"cr\ronly\",\r\n"
              "  spaced  ,a;b\tc\r\n");
}

TEST(ReportTable, CsvKeepsJapaneseBytesUntouched) {
    ReportTable t({"所属", "状態"});
    t.add({"子育て支援課", "違反（USB）"});
    EXPECT_NE(t.csv().find("子育て支援課,違反（USB）\r\n"), std::string::npos);
}

TEST(ReportTable, DisplayWidthCountsJapaneseAsTwoColumns) {
    EXPECT_EQ(ReportTable::displayWidth(""), 0u);
    EXPECT_EQ(ReportTable::displayWidth("usb"), 3u);
    EXPECT_EQ(ReportTable::displayWidth("総務課"), 6u);         // kanji
    EXPECT_EQ(ReportTable::displayWidth("ひらがなカタカナ"), 16u);  // kana
    EXPECT_EQ(ReportTable::displayWidth("ＵＳＢ"), 6u);          // full-width Latin
    EXPECT_EQ(ReportTable::displayWidth("ｶﾀｶﾅ"), 4u);            // half-width kana stay narrow
    EXPECT_EQ(ReportTable::displayWidth("違反（USB）"), 11u);     // full-width brackets
    EXPECT_EQ(ReportTable::displayWidth("é"), 1u);              // two bytes, one column
    EXPECT_EQ(ReportTable::displayWidth("한국"), 4u);
}

TEST(ReportTable, DisplayWidthOfMalformedUtf8StaysInsideTheString) {
    // Each stray byte shows as one replacement character; a truncated sequence is not read past.
    EXPECT_EQ(ReportTable::displayWidth("a\x80" "b"), 3u);
    EXPECT_EQ(ReportTable::displayWidth("\xff\xfe"), 2u);
    EXPECT_EQ(ReportTable::displayWidth(std::string("\xE7\xB7", 2)), 1u);     // 総 cut after two bytes
    EXPECT_EQ(ReportTable::displayWidth(std::string("ab\xF0\x9F", 4)), 3u);  // a 4-byte lead at the end
}

TEST(ReportTable, TableAlignsColumnsByDisplayWidth) {
    ReportTable t({"section", "terminal", "status"});
    t.add({"総務課", "pc-00001", "violation"});
    t.add({"IT", "pc-2", "違反"});
    t.add({"子育て支援課", "pc-00003", "not reporting"});
    const std::string out = t.table();
    std::vector<std::string> lines;
    for (size_t at = 0, nl; (nl = out.find('\n', at)) != std::string::npos; at = nl + 1)
        lines.push_back(out.substr(at, nl - at));
    ASSERT_EQ(lines.size(), 5u);  // header, rule, three rows
    // Every column starts at the same screen column on every line.
    auto startOf = [](const std::string& line, const std::string& cell) {
        return ReportTable::displayWidth(line.substr(0, line.find(cell)));
    };
    const size_t terminal_col = startOf(lines[0], "terminal"), status_col = startOf(lines[0], "status");
    EXPECT_EQ(terminal_col, ReportTable::displayWidth("子育て支援課") + 2);
    EXPECT_EQ(startOf(lines[2], "pc-00001"), terminal_col);
    EXPECT_EQ(startOf(lines[3], "pc-2"), terminal_col);
    EXPECT_EQ(startOf(lines[4], "pc-00003"), terminal_col);
    EXPECT_EQ(startOf(lines[2], "violation"), status_col);
    EXPECT_EQ(startOf(lines[3], "違反"), status_col);
    EXPECT_EQ(startOf(lines[4], "not reporting"), status_col);
    for (const auto& line : lines) EXPECT_TRUE(line.empty() || line.back() != ' ') << "'" << line << "'";
}

TEST(ReportTable, TableToleratesRowsShorterOrLongerThanTheHeader) {
    ReportTable t({"a", "b"});
    t.add({"only"});
    t.add({"1", "2", "extra"});
    EXPECT_EQ(t.table(), "a     b\n----  -\nonly\n1     2\n");
}
