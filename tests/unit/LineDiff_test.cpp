#include "collector/console/LineDiff.h"

#include <gtest/gtest.h>

using namespace mamori::collector;

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
