#include "collector/ctl/CtlLanguage.h"

#include <gtest/gtest.h>

using mamori::collector::CtlLanguage;

namespace {

bool japanese(const std::string& option, const char* lc_all, const char* lc_messages, const char* lang) {
    return CtlLanguage::choose(option, lc_all, lc_messages, lang).japanese();
}

TEST(CtlLanguage, TheLocaleChoosesAsPosixReadsItForMessages) {
    EXPECT_FALSE(japanese("", nullptr, nullptr, nullptr));
    EXPECT_TRUE(japanese("", nullptr, nullptr, "ja_JP.UTF-8"));
    EXPECT_TRUE(japanese("", nullptr, nullptr, "ja"));
    EXPECT_FALSE(japanese("", nullptr, nullptr, "en_US.UTF-8"));
    EXPECT_FALSE(japanese("", nullptr, nullptr, "C.UTF-8"));
    // LC_ALL first, then LC_MESSAGES, then LANG; an empty one counts as unset.
    EXPECT_FALSE(japanese("", "C", "ja_JP.UTF-8", "ja_JP.UTF-8"));
    EXPECT_TRUE(japanese("", "ja_JP.eucJP", nullptr, "en_US.UTF-8"));
    EXPECT_TRUE(japanese("", "", "ja_JP.UTF-8", "en_US.UTF-8"));
    EXPECT_FALSE(japanese("", "", "en_GB.UTF-8", "ja_JP.UTF-8"));
    EXPECT_TRUE(japanese("", "", "", "ja_JP.UTF-8"));
}

TEST(CtlLanguage, LangOptionWinsOverTheLocale) {
    EXPECT_FALSE(japanese("en", "ja_JP.UTF-8", "ja_JP.UTF-8", "ja_JP.UTF-8"));
    EXPECT_TRUE(japanese("ja", "C", nullptr, "en_US.UTF-8"));
}

TEST(CtlLanguage, WordsStatusesAndZonedHeadings) {
    const auto ja = CtlLanguage::choose("ja", nullptr, nullptr, nullptr);
    const auto en = CtlLanguage::choose("en", nullptr, nullptr, nullptr);
    const CtlLanguage::Words terminal{"terminal", "端末"};
    EXPECT_EQ(ja(terminal), "端末");
    EXPECT_EQ(en(terminal), "terminal");
    EXPECT_EQ(ja.status("not reporting"), "未報告");
    EXPECT_EQ(en.status("not reporting"), "not reporting");
    EXPECT_EQ(ja.status("a status added later"), "a status added later");
    const auto zoned = CtlLanguage::zoned({"last seen", "最終受信"}, "Asia/Tokyo");
    EXPECT_EQ(en(zoned), "last seen (Asia/Tokyo)");
    EXPECT_EQ(ja(zoned), "最終受信（Asia/Tokyo）");
}

}  // namespace
