#include "collector/console/HtmlPage.h"

#include <gtest/gtest.h>

using namespace mamori::collector;

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
