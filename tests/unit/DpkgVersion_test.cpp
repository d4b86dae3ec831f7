#include "agent/DpkgVersion.h"

#include <gtest/gtest.h>

namespace {

using mamori::agent::DpkgVersion;

int cmp(const char* a, const char* b) {
    auto va = DpkgVersion::parse(a), vb = DpkgVersion::parse(b);
    EXPECT_TRUE(va && vb) << a << " / " << b;
    int c = DpkgVersion::compare(*va, *vb);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

TEST(DpkgVersion, SplitsEpochUpstreamRevision) {
    auto v = DpkgVersion::parse("2:1.2.3-4+deb12u1");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->epoch(), 2u);
    EXPECT_EQ(v->upstream(), "1.2.3");
    EXPECT_EQ(v->revision(), "4+deb12u1");
    EXPECT_EQ(v->str(), "2:1.2.3-4+deb12u1");
    // The last hyphen starts the revision; earlier ones belong to upstream.
    v = DpkgVersion::parse("1.0-beta-3");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->upstream(), "1.0-beta");
    EXPECT_EQ(v->revision(), "3");
    v = DpkgVersion::parse(" 115.9.0esr-1~deb12u1 ");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->upstream(), "115.9.0esr");
}

TEST(DpkgVersion, RefusesWhatDpkgRefuses) {
    for (const char* bad : {"", "   ", "1.0 2", "a:1.0", ":1.0", "1:", "1.0-", "-1", "1.0_1", "1.0-1:2", "1.0-1-",
                            "1:2:3_", "1.0!", "1234567890:1"}) {
        EXPECT_FALSE(DpkgVersion::parse(bad)) << '"' << bad << '"';
    }
}

TEST(DpkgVersion, OrdersAsDpkgDoes) {
    // Numbers compare as numbers, of any length.
    EXPECT_EQ(cmp("1.10", "1.9"), 1);
    EXPECT_EQ(cmp("1.0", "1.00"), 0);
    EXPECT_EQ(cmp("10000000000000000000001", "9"), 1);
    // '~' sorts before everything, even the end: pre-releases come first.
    EXPECT_EQ(cmp("1.0~rc1", "1.0"), -1);
    EXPECT_EQ(cmp("1.0~~", "1.0~"), -1);
    EXPECT_EQ(cmp("1.0~rc1", "1.0~rc2"), -1);
    // Letters sort before other punctuation; anything sorts after the end.
    EXPECT_EQ(cmp("1.0a", "1.0"), 1);
    EXPECT_EQ(cmp("1.0a", "1.0+"), -1);
    EXPECT_EQ(cmp("1.0+b1", "1.0"), 1);
    EXPECT_EQ(cmp("1.0.1", "1.0"), 1);
    // The epoch wins over everything.
    EXPECT_EQ(cmp("1:0.1", "9.9"), 1);
    EXPECT_EQ(cmp("0:1.0", "1.0"), 0);
    // A missing revision equals revision 0 and sorts before any other.
    EXPECT_EQ(cmp("1.0", "1.0-0"), 0);
    EXPECT_EQ(cmp("1.0", "1.0-1"), -1);
    EXPECT_EQ(cmp("1.0-1", "1.0-1~bpo1"), 1);
    EXPECT_EQ(cmp("7.4.7-1+deb12u5", "7.4"), 1);
    EXPECT_EQ(cmp("115.9.0esr-1~deb12u1", "115"), 1);
    EXPECT_EQ(cmp("102.15.0esr-1", "115"), -1);
}

TEST(DpkgVersion, OperatorsFollowCompare) {
    auto a = *DpkgVersion::parse("1.2"), b = *DpkgVersion::parse("1.10");
    EXPECT_TRUE(a < b);
    EXPECT_TRUE(b > a);
    EXPECT_TRUE(a == *DpkgVersion::parse("1.02"));
}

}  // namespace
