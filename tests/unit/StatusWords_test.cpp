#include "collector/StatusWords.h"

#include <gtest/gtest.h>

using namespace mamori::collector;

TEST(StatusWordsTest, SaysSinceWhenAConditionStands) {
    EXPECT_EQ(StatusWords::describe("standing", "2026-11-20", "2026-12-04", true), "継続中 2026-11-20から");
    EXPECT_EQ(StatusWords::describe("standing", "2026-11-20", "2026-12-04", false), "standing since 2026-11-20");
    EXPECT_EQ(StatusWords::describe("violation", "2026-11-20", "2026-12-04", true), "違反（2026-11-20から継続）");
    EXPECT_EQ(StatusWords::describe("violation", "2026-12-04", "2026-12-04", false), "violation");
    EXPECT_EQ(StatusWords::describe("something new", "", "2026-12-04", true), "something new");
}
