// platform::userName against this machine's user database: the name a user-scoped exception
// (例外措置) is compared with when the kernel reports an exec by uid.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include "mamori/platform/UserName.h"

namespace {

TEST(UserName, NamesTheUsersThisMachineKnows) {
    EXPECT_EQ(mamori::platform::userName(0), "root");
    const passwd* me = ::getpwuid(::geteuid());
    ASSERT_NE(me, nullptr);
    EXPECT_EQ(mamori::platform::userName(::geteuid()), me->pw_name);
}

TEST(UserName, AnUnknownUidHasNoName) {
    // Far above any uid Debian allocates (and not (uid_t)-1 or -2, which mean "none").
    ASSERT_EQ(::getpwuid(3999999999u), nullptr);
    EXPECT_EQ(mamori::platform::userName(3999999999u), std::nullopt);
}

}  // namespace
