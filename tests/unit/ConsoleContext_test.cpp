#include "collector/console/ConsoleContext.h"

#include <gtest/gtest.h>

using mamori::collector::ConsoleContext;

TEST(ConsoleContextTest, ATargetEncodesItsValuesAndLeavesOutEmptyOnes) {
    const std::string control;
    EXPECT_EQ(ConsoleContext::target("/admin/v1/violations", {{"date", "2026-12-06"}, {"section", "市民課"}, {"control", control}}),
              "/admin/v1/violations?date=2026-12-06&section=%E5%B8%82%E6%B0%91%E8%AA%B2");
    EXPECT_EQ(ConsoleContext::target("/admin/v1/events", {{"terminal", "a&b=c"}, {"since", ""}}),
              "/admin/v1/events?terminal=a%26b=c");
    EXPECT_EQ(ConsoleContext::target("/admin/v1/sections", {}), "/admin/v1/sections");
}
