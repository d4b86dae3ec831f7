#include "collector/console/FormData.h"

#include <gtest/gtest.h>

#include "mamori/common/UserError.h"

using mamori::collector::FormData;
using mamori::common::UserError;

TEST(FormDataTest, ReadsABrowsersForm) {
    const auto f = FormData::parse("date=2026-12-06&section=%E5%B8%82%E6%B0%91%E8%AA%B2&control=&reason=a+b%2Bc");
    EXPECT_EQ(f.text("date"), "2026-12-06");
    EXPECT_EQ(f.text("section"), "市民課");
    EXPECT_TRUE(f.has("control"));
    EXPECT_EQ(f.text("control"), "");
    EXPECT_EQ(f.text("reason"), "a b+c");
    EXPECT_EQ(f.text("absent"), "");
    EXPECT_FALSE(f.has("absent"));
}

TEST(FormDataTest, ReadsTheQueryOfATarget) {
    EXPECT_EQ(FormData::ofTarget("/console/media?from_event=shimin-01%3A2").text("from_event"), "shimin-01:2");
    EXPECT_FALSE(FormData::ofTarget("/console/today").has("date"));
    EXPECT_EQ(FormData::ofTarget("/console/today?").text("date"), "");
}

TEST(FormDataTest, RefusesMalformedForms) {
    EXPECT_THROW(FormData::parse("a=%zz"), UserError);                    // not percent-encoded
    EXPECT_THROW(FormData::parse("a=%E5%B8"), UserError);                 // a cut UTF-8 sequence
    EXPECT_THROW(FormData::parse("a=%FF"), UserError);                    // not UTF-8
    EXPECT_THROW(FormData::parse("csrf=1&csrf=2"), UserError);            // a field given twice
    std::string many;
    for (size_t i = 0; i <= FormData::kMaxFields; ++i) many += "f" + std::to_string(i) + "=1&";
    EXPECT_THROW(FormData::parse(many), UserError);
}
