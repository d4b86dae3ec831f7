#include "collector/console/ConsoleSessions.h"

#include <gtest/gtest.h>

using namespace mamori::collector;

TEST(ConsoleSessionsTest, ReadsOneCookieOfAHeader) {
    EXPECT_EQ(ConsoleSessions::cookie("a=1; mamori_session=abc; b=2", "mamori_session"), "abc");
    EXPECT_EQ(ConsoleSessions::cookie("mamori_session=abc", "mamori_session"), "abc");
    EXPECT_EQ(ConsoleSessions::cookie("xmamori_session=abc", "mamori_session"), "");
    EXPECT_EQ(ConsoleSessions::cookie("", "mamori_session"), "");
    EXPECT_EQ(ConsoleSessions::cookie(";;; =; mamori_session", "mamori_session"), "");
}
