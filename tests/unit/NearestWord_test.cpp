#include "mamori/common/NearestWord.h"

#include <gtest/gtest.h>

using mamori::common::NearestWord;

namespace {

TEST(NearestWord, DistanceCountsCharactersNotBytes) {
    EXPECT_EQ(NearestWord::distance("usb", "usb"), 0u);
    EXPECT_EQ(NearestWord::distance("usb", "USB"), 0u);
    EXPECT_EQ(NearestWord::distance("hours", "huors"), 2u);
    EXPECT_EQ(NearestWord::distance("市民課", "市民科"), 1u);
    EXPECT_EQ(NearestWord::distance("市民課", "市民"), 1u);
    EXPECT_EQ(NearestWord::distance("", "税務課"), 3u);
}

TEST(NearestWord, SuggestsOnlyWhatIsCloseEnough) {
    const std::vector<std::string> sections{"市民課", "税務課", "住民課"};
    EXPECT_EQ(NearestWord::among("税務科", sections), "税務課");
    EXPECT_EQ(NearestWord::among("存在しない課", sections), std::nullopt);
    EXPECT_EQ(NearestWord::among("", sections), std::nullopt);
    EXPECT_EQ(NearestWord::among("enforcing", {"enforce", "monitor"}), "enforce");
    EXPECT_EQ(NearestWord::among("Asia/Tokio", {"Asia/Tokyo", "Asia/Seoul"}), "Asia/Tokyo");
    EXPECT_EQ(NearestWord::among("term-b", {"term-a"}), "term-a");
    EXPECT_EQ(NearestWord::among("x", {"税務課"}), std::nullopt);
}

}  // namespace
