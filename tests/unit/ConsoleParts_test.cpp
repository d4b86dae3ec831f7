// The console's small parts: password hashes, cookies, escaping, the profile diff, status words.
#include <gtest/gtest.h>

#include "collector/PasswordHash.h"
#include "collector/StatusWords.h"
#include "collector/console/ConsoleSessions.h"
#include "collector/console/HtmlPage.h"
#include "collector/console/LineDiff.h"
#include "mamori/common/UserError.h"

using namespace mamori::collector;

TEST(PasswordHashTest, AHashMatchesItsPasswordOnlyAndIsSaltedEachTime) {
    const std::string h = PasswordHash::make("correct horse battery");
    EXPECT_EQ(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << h;
    EXPECT_TRUE(PasswordHash::matches(h, "correct horse battery"));
    EXPECT_FALSE(PasswordHash::matches(h, "correct horse batterY"));
    EXPECT_FALSE(PasswordHash::matches(h, ""));
    EXPECT_NE(PasswordHash::make("correct horse battery"), h);
    EXPECT_FALSE(PasswordHash::matches(PasswordHash::decoy(), "correct horse battery"));
}

TEST(PasswordHashTest, RefusesPasswordsTooShortOrTooLongAndHashesThatAreNotOurs) {
    EXPECT_THROW(PasswordHash::make("123456789"), mamori::common::UserError);
    EXPECT_THROW(PasswordHash::make(std::string(PasswordHash::kMaxLength + 1, 'x')), mamori::common::UserError);
    EXPECT_FALSE(PasswordHash::matches("", "anything at all"));
    EXPECT_FALSE(PasswordHash::matches("plain text", "plain text"));
    // A forged row asking for 4 GiB per check is not tried.
    EXPECT_FALSE(PasswordHash::matches("$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
                                       "anything at all"));
}

TEST(ConsoleSessionsTest, ReadsOneCookieOfAHeader) {
    EXPECT_EQ(ConsoleSessions::cookie("a=1; mamori_session=abc; b=2", "mamori_session"), "abc");
    EXPECT_EQ(ConsoleSessions::cookie("mamori_session=abc", "mamori_session"), "abc");
    EXPECT_EQ(ConsoleSessions::cookie("xmamori_session=abc", "mamori_session"), "");
    EXPECT_EQ(ConsoleSessions::cookie("", "mamori_session"), "");
    EXPECT_EQ(ConsoleSessions::cookie(";;; =; mamori_session", "mamori_session"), "");
}

TEST(HtmlPageTest, EscapesEverythingThatCouldEndAnAttributeOrOpenATag) {
    EXPECT_EQ(HtmlPage::esc("<script>alert('x')</script> & \"q\""),
              "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    EXPECT_EQ(HtmlPage::esc("市民課"), "市民課");
    EXPECT_EQ(HtmlPage::query("a b&c=d/市"), "a%20b%26c%3Dd%2F%E5%B8%82");
}

TEST(HtmlPageTest, APageSaysItsLanguageAndRunsNoInlineScript) {
    HtmlPage page(true, {"Today", "今日"}, {"yamada", "auditor", "token", true}, "/console/today");
    page.table({{"Terminal", "端末"}}, {{"<b>x</b>"}}, {"none", "なし"}, "t");
    const std::string html = page.finish();
    EXPECT_NE(html.find("<html lang=\"ja\">"), std::string::npos);
    EXPECT_NE(html.find("<th scope=\"col\">端末</th>"), std::string::npos);
    EXPECT_NE(html.find("value=\"token\""), std::string::npos);
    EXPECT_NE(html.find("/console/access-log"), std::string::npos);
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_EQ(html.find(" on"), std::string::npos);  // no onclick= and the like
}

TEST(LineDiffTest, MarksWhatWasKeptRemovedAndAdded) {
    const auto d = LineDiff::of("a\nb\nc\n", "a\nc\nd\n");
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d[0].mark, LineDiff::Mark::Kept);
    EXPECT_EQ(d[1].mark, LineDiff::Mark::Removed);
    EXPECT_EQ(d[1].text, "b");
    EXPECT_EQ(d[2].mark, LineDiff::Mark::Kept);
    EXPECT_EQ(d[3].mark, LineDiff::Mark::Added);
    EXPECT_EQ(d[3].text, "d");
    EXPECT_EQ(LineDiff::of("", "x\n").at(0).mark, LineDiff::Mark::Added);
    EXPECT_TRUE(LineDiff::of("", "").empty());
}

TEST(StatusWordsTest, SaysSinceWhenAConditionStands) {
    EXPECT_EQ(StatusWords::describe("standing", "2026-11-20", "2026-12-04", true), "継続中 2026-11-20から");
    EXPECT_EQ(StatusWords::describe("standing", "2026-11-20", "2026-12-04", false), "standing since 2026-11-20");
    EXPECT_EQ(StatusWords::describe("violation", "2026-11-20", "2026-12-04", true), "違反（2026-11-20から継続）");
    EXPECT_EQ(StatusWords::describe("violation", "2026-12-04", "2026-12-04", false), "violation");
    EXPECT_EQ(StatusWords::describe("something new", "", "2026-12-04", true), "something new");
}
