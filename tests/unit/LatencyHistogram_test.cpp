// Request latency in Prometheus's cumulative buckets.
#include <gtest/gtest.h>

#include "collector/LatencyHistogram.h"

using mamori::common::PrometheusText;

TEST(LatencyHistogram, BucketsAreCumulativeAndTheCountIsTheLastOne) {
    mamori::collector::LatencyHistogram h;
    h.observe(std::chrono::microseconds(500));   // 0.0005 s: the first bucket
    h.observe(std::chrono::milliseconds(1));     // exactly on a bound: counted in it
    h.observe(std::chrono::milliseconds(30));    // 0.05
    h.observe(std::chrono::seconds(60));         // beyond every bound
    h.observe(std::chrono::microseconds(-5));    // a clock step backwards counts as zero
    PrometheusText t;
    h.write(t, "x_seconds", {{"listener", "agent"}});
    const std::string& s = t.text();
    EXPECT_NE(s.find("x_seconds_bucket{listener=\"agent\",le=\"0.001\"} 3\n"), std::string::npos) << s;
    EXPECT_NE(s.find("x_seconds_bucket{listener=\"agent\",le=\"0.025\"} 3\n"), std::string::npos) << s;
    EXPECT_NE(s.find("x_seconds_bucket{listener=\"agent\",le=\"0.05\"} 4\n"), std::string::npos) << s;
    EXPECT_NE(s.find("x_seconds_bucket{listener=\"agent\",le=\"10\"} 4\n"), std::string::npos) << s;
    EXPECT_NE(s.find("x_seconds_bucket{listener=\"agent\",le=\"+Inf\"} 5\n"), std::string::npos) << s;
    EXPECT_NE(s.find("x_seconds_count{listener=\"agent\"} 5\n"), std::string::npos) << s;
    EXPECT_NE(s.find("x_seconds_sum{listener=\"agent\"} 60.0315\n"), std::string::npos) << s;
}
