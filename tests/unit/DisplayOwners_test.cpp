// Whose X server the agent may talk to besides root's: anyone may create a display's socket,
// so only the users logged on to that display, or at this terminal where no session names it.
#include <gtest/gtest.h>

#include "agent/ScreenLockControl.h"

namespace {

using mamori::agent::ScreenLockControl;
using mamori::platform::Session;
using Owners = std::set<std::string>;

Session session(std::string user, std::string line, std::string host = {}) {
    Session s;
    s.user = std::move(user);
    s.line = std::move(line);
    s.host = std::move(host);
    return s;
}

TEST(DisplayOwners, TheUsersOnTheDisplayAndNobodyElse) {
    const std::vector<Session> sessions = {session("saito", ":0"), session("kudo", "tty2"),
                                           session("endo", "pts/1", "10.0.0.7"), session("saito", "pts/0", ":0")};
    EXPECT_EQ(ScreenLockControl::displayOwners(sessions, ":0"), Owners{"saito"});
}

TEST(DisplayOwners, WhereNoSessionNamesTheDisplayTheUsersLoggedOnHereButNotFromAfar) {
    const std::vector<Session> sessions = {session("kudo", "tty2"), session("endo", "pts/1", "10.0.0.7"),
                                           session("saito", ":0")};
    EXPECT_EQ(ScreenLockControl::displayOwners(sessions, ":1"), (Owners{"kudo", "saito"}));
    EXPECT_EQ(ScreenLockControl::displayOwners({session("endo", "pts/1", "10.0.0.7")}, ":0"), Owners{});
    EXPECT_EQ(ScreenLockControl::displayOwners({}, ":0"), Owners{}) << "nobody logged on: root's server only";
}

}  // namespace
