// The exposition format both daemons write: numbers, escaping, families.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "mamori/common/PrometheusText.h"

using mamori::common::PrometheusText;

TEST(PrometheusText, NumbersAreExactIntegersOrShortestDecimals) {
    EXPECT_EQ(PrometheusText::number(0), "0");
    EXPECT_EQ(PrometheusText::number(42), "42");
    EXPECT_EQ(PrometheusText::number(-3), "-3");
    EXPECT_EQ(PrometheusText::number(18446744073709551615.0), "18446744073709551616");
    EXPECT_EQ(PrometheusText::number(9007199254740991.0), "9007199254740991");
    EXPECT_EQ(PrometheusText::number(0.25), "0.25");
    EXPECT_EQ(PrometheusText::number(0.001), "0.001");
    EXPECT_EQ(PrometheusText::number(std::numeric_limits<double>::quiet_NaN()), "NaN");
    EXPECT_EQ(PrometheusText::number(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(PrometheusText::number(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(PrometheusText, LabelValuesChosenByOthersCannotBreakTheLine) {
    PrometheusText t;
    t.family("mamori_agent_info", "gauge", "a help with a \\ and a\nline");
    t.sample("mamori_agent_info", {{"policy", "税務課 \"標準\"\\\n} 1\nfake 2"}}, 1);
    EXPECT_EQ(t.text(),
              "# HELP mamori_agent_info a help with a \\\\ and a\\nline\n"
              "# TYPE mamori_agent_info gauge\n"
              "mamori_agent_info{policy=\"税務課 \\\"標準\\\"\\\\\\n} 1\\nfake 2\"} 1\n");
}
