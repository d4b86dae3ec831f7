// Whether an exception applies here: the agent's own check of what the collector sent.
#include "agent/ExceptionScope.h"

#include <gtest/gtest.h>

namespace {

namespace v1 = mamori::v1;
using mamori::agent::ExceptionScope;
using Verdict = ExceptionScope::Verdict;

v1::PolicyException exception(const std::string& terminal, const std::string& group, const std::string& user = {}) {
    v1::PolicyException e;
    e.set_id("EX-1");
    e.set_control(v1::HOURS);
    e.set_terminal(terminal);
    e.set_group(group);
    e.set_user(user);
    e.set_expires_unix(2000);
    return e;
}

const ExceptionScope kHere("MN-012", "税務課");

TEST(ExceptionScope, ThisTerminalOrItsGroupOnly) {
    EXPECT_EQ(kHere.judge(exception("MN-012", ""), 1000, "tanaka"), Verdict::Applies);
    EXPECT_EQ(kHere.judge(exception("", "税務課"), 1000, "tanaka"), Verdict::Applies);
    EXPECT_EQ(kHere.judge(exception("MN-013", ""), 1000, "tanaka"), Verdict::OtherTerminal);
    EXPECT_EQ(kHere.judge(exception("", "市民課"), 1000, "tanaka"), Verdict::OtherGroup);
    // Names are compared exactly: a prefix or another case is another terminal.
    EXPECT_EQ(kHere.judge(exception("MN-01", ""), 1000, "tanaka"), Verdict::OtherTerminal);
    EXPECT_EQ(kHere.judge(exception("mn-012", ""), 1000, "tanaka"), Verdict::OtherTerminal);
}

TEST(ExceptionScope, AnExceptionNamingNeitherAppliesNowhere) {
    EXPECT_EQ(kHere.judge(exception("", ""), 1000, "tanaka"), Verdict::Unscoped);
    EXPECT_FALSE(kHere.addressedHere(exception("", "")));
}

TEST(ExceptionScope, BothNamedMustBothBeThisTerminals) {
    EXPECT_EQ(kHere.judge(exception("MN-012", "税務課"), 1000, std::nullopt), Verdict::Applies);
    EXPECT_EQ(kHere.judge(exception("MN-012", "市民課"), 1000, std::nullopt), Verdict::OtherGroup);
    EXPECT_EQ(kHere.judge(exception("MN-013", "税務課"), 1000, std::nullopt), Verdict::OtherTerminal);
}

TEST(ExceptionScope, ATerminalWithoutAGroupTakesNoGroupsException) {
    // A policy signed without a group (a standalone profile, an older collector).
    const ExceptionScope no_group("MN-012", "");
    EXPECT_EQ(no_group.judge(exception("", "税務課"), 1000, std::nullopt), Verdict::OtherGroup);
    EXPECT_EQ(no_group.judge(exception("MN-012", ""), 1000, std::nullopt), Verdict::Applies);
    const ExceptionScope nobody;
    EXPECT_EQ(nobody.judge(exception("MN-012", ""), 1000, std::nullopt), Verdict::OtherTerminal);
}

TEST(ExceptionScope, ExpiredAtItsSecondAndWithoutExpiryNever) {
    auto e = exception("MN-012", "");
    EXPECT_EQ(kHere.judge(e, 1999, std::nullopt), Verdict::Applies);
    EXPECT_EQ(kHere.judge(e, 2000, std::nullopt), Verdict::Expired);
    EXPECT_TRUE(kHere.addressedHere(e));
    e.set_expires_unix(0);  // the expiry is mandatory: one without it is malformed
    EXPECT_EQ(kHere.judge(e, 1000, std::nullopt), Verdict::Expired);
}

TEST(ExceptionScope, AUsersExceptionNeedsThatUserKnown) {
    const auto e = exception("", "税務課", "tanaka");
    EXPECT_EQ(kHere.judge(e, 1000, "tanaka"), Verdict::Applies);
    EXPECT_EQ(kHere.judge(e, 1000, "suzuki"), Verdict::OtherUser);
    EXPECT_EQ(kHere.judge(e, 1000, std::nullopt), Verdict::UserUnknown);
    EXPECT_EQ(kHere.judge(e, 1000, ""), Verdict::OtherUser);
    // One without a user covers whoever it is, known or not.
    EXPECT_EQ(kHere.judge(exception("MN-012", ""), 1000, std::nullopt), Verdict::Applies);
}

TEST(ExceptionScope, IgnoredNamesEachExceptionThatCannotApplyHereInBothLanguages) {
    v1::Policy p;
    p.set_group("税務課");
    *p.add_exceptions() = exception("MN-012", "");
    auto other = exception("MN-013", "");
    other.set_id("EX-OTHER");
    *p.add_exceptions() = other;
    auto group = exception("", "市民課");
    group.set_id("EX-SHIMIN");
    *p.add_exceptions() = group;
    auto expired = exception("", "税務課");  // for here, only no longer in force: not "elsewhere"
    expired.set_expires_unix(1);
    *p.add_exceptions() = expired;
    auto usb_user = exception("MN-012", "", "tanaka");
    usb_user.set_id("EX-USB-TANAKA");
    usb_user.set_control(v1::USB);
    *p.add_exceptions() = usb_user;
    const auto lines = ExceptionScope("MN-012", p).ignored(p);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_NE(lines[0].find("EX-OTHER is for terminal MN-013"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("端末 MN-013 向け"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("EX-SHIMIN is for group 市民課"), std::string::npos) << lines[1];
    EXPECT_NE(lines[1].find("所属 市民課 向け"), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find("EX-USB-TANAKA for usb is limited to user tanaka"), std::string::npos) << lines[2];
    EXPECT_NE(lines[2].find("利用者を特定できない"), std::string::npos) << lines[2];
}

}  // namespace
