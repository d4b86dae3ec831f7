#include <gtest/gtest.h>

#include <string>

#include "mamori/common/Log.h"

using mamori::Log;

TEST(LogSanitize, PrintableAsciiAndJapanesePassUnchanged) {
    EXPECT_EQ(Log::sanitize("terminal pc-0042 enrolled in 市民課"), "terminal pc-0042 enrolled in 市民課");
    EXPECT_EQ(Log::sanitize("絵文字 😀 too"), "絵文字 😀 too");
}

TEST(LogSanitize, ANewlineCannotForgeASecondLine) {
    const std::string forged = "enroll refused for host evil\n2026-12-04T00:00:00.000Z mamori-collector info: admin logged in";
    const std::string out = Log::sanitize(forged);
    EXPECT_EQ(out.find('\n'), std::string::npos);
    EXPECT_EQ(out, "enroll refused for host evil\\n2026-12-04T00:00:00.000Z mamori-collector info: admin logged in");
    EXPECT_EQ(Log::sanitize("a\rb\tc"), "a\\rb\\tc");
}

TEST(LogSanitize, TerminalEscapesAndC1ControlsAreShownAsBytes) {
    EXPECT_EQ(Log::sanitize("\x1b[2Jcleared"), "\\x1b[2Jcleared");
    EXPECT_EQ(Log::sanitize(std::string("nul\0byte", 8)), "nul\\x00byte");
    EXPECT_EQ(Log::sanitize("del\x7f"), "del\\x7f");
    EXPECT_EQ(Log::sanitize("csi\xc2\x9b" "31m"), "csi\\xc2\\x9b31m");  // U+009B, the 8-bit CSI
}

TEST(LogSanitize, BytesThatAreNotUtf8AreEscaped) {
    EXPECT_EQ(Log::sanitize("sjis \x93\xfa\x96\x7b"), "sjis \\x93\\xfa\\x96{");   // 日本 in Shift_JIS
    EXPECT_EQ(Log::sanitize("overlong \xc0\xaf"), "overlong \\xc0\\xaf");
    EXPECT_EQ(Log::sanitize("surrogate \xed\xa0\x80"), "surrogate \\xed\\xa0\\x80");
    EXPECT_EQ(Log::sanitize("cut \xe5\xb8"), "cut \\xe5\\xb8");
}

TEST(LogSanitize, ALongMessageIsCutAndTheRestCounted) {
    const std::string out = Log::sanitize(std::string(10000, 'a'), 100);
    EXPECT_EQ(out, std::string(100, 'a') + "... (9900 more bytes)");
    EXPECT_EQ(Log::sanitize(std::string(100, 'a'), 100), std::string(100, 'a'));
}
