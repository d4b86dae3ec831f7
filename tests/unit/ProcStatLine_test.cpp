// /proc/PID/stat as the exec control reads it: the parent and session, whatever the process
// named itself, and nothing for a line that does not read so.
#include "platform/linux/ProcStatLine.h"

#include <gtest/gtest.h>

using mamori::platform::ProcStatLine;

TEST(ProcStatLine, ReadsTheParentAndSessionAfterTheState) {
    const auto l = ProcStatLine::parse("4242 (bash) S 4200 4242 4100 34816 4242 4194304 1 0 0 0\n");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->ppid, 4200u);
    EXPECT_EQ(l->session, 4100u);
}

TEST(ProcStatLine, ACommandNameCannotForgeTheFieldsAfterIt) {
    // A process may call itself "x) S 1 1 1": the kernel's own parenthesis is the last one.
    const auto l = ProcStatLine::parse("77 (x) S 1 1 1) R 70 77 60 0\n");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->ppid, 70u);
    EXPECT_EQ(l->session, 60u);
}

TEST(ProcStatLine, ALineThatDoesNotReadSoIsNothing) {
    for (const char* bad : {"", "77 x S 70 77 60", "77 (x)", "77 (x) ", "77 (x) S", "77 (x) S 70 77",
                            "77 (x) S -70 77 60", "77 (x) S 70 seven 60", "77 (x) S 70 77 60x",
                            "77 (x) S 99999999999 77 60", "77 (x)S 70 77 60", "77 (x) S70 77 60"}) {
        SCOPED_TRACE(bad);
        EXPECT_FALSE(ProcStatLine::parse(bad));
    }
    // Cut off after the session (a read of fixed size): what it needs is there.
    EXPECT_TRUE(ProcStatLine::parse("77 (x) S 70 77 60"));
}
