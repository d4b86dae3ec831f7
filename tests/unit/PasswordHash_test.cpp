#include "collector/PasswordHash.h"

#include <gtest/gtest.h>

#include "mamori/common/UserError.h"

using namespace mamori::collector;

TEST(PasswordHashTest, AHashMatchesItsPasswordOnlyAndIsSaltedEachTime) {
    const std::string h = PasswordHash::make("correct horse battery");
    EXPECT_EQ(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << h;
    EXPECT_TRUE(PasswordHash::matches(h, "correct horse battery"));
    EXPECT_FALSE(PasswordHash::matches(h, "correct horse batterY"));
    EXPECT_FALSE(PasswordHash::matches(h, ""));
    EXPECT_NE(PasswordHash::make("correct horse battery"), h);
    EXPECT_FALSE(PasswordHash::matches(PasswordHash::decoy(), "correct horse battery"));
}

TEST(PasswordHashTest, RefusesPasswordsTooShortOrTooLongAndHashesThatAreNotOurs) {
    EXPECT_THROW(PasswordHash::make("123456789"), mamori::common::UserError);
    EXPECT_THROW(PasswordHash::make(std::string(PasswordHash::kMaxLength + 1, 'x')), mamori::common::UserError);
    EXPECT_FALSE(PasswordHash::matches("", "anything at all"));
    EXPECT_FALSE(PasswordHash::matches("plain text", "plain text"));
    // A forged row asking for 4 GiB per check is not tried.
    EXPECT_FALSE(PasswordHash::matches("$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
                                       "anything at all"));
}
