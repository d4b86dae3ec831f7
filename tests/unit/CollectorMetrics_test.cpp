// What the collector's metrics call a refused batch.
#include <gtest/gtest.h>

#include "collector/CollectorMetrics.h"

TEST(CollectorMetrics, RefusedBatchesHaveAFewReasonsWhateverTheStatus) {
    using mamori::collector::CollectorMetrics;
    EXPECT_EQ(CollectorMetrics::refusalReason(400), "malformed");
    EXPECT_EQ(CollectorMetrics::refusalReason(401), "unauthenticated");
    EXPECT_EQ(CollectorMetrics::refusalReason(403), "forbidden");
    EXPECT_EQ(CollectorMetrics::refusalReason(413), "too_large");
    EXPECT_EQ(CollectorMetrics::refusalReason(418), "http_418");
}
