#include "agent/AgentConfig.h"

#include <gtest/gtest.h>

using mamori::agent::AgentConfig;

// The journal's cap: the policy's where it sets one, else the terminal's own agent.conf value.
TEST(AgentConfig, JournalCapIsThePolicysWhereItSetsOne) {
    AgentConfig c;
    c.journal_max_bytes = 4096;
    mamori::v1::ReportingPolicy reporting;
    EXPECT_EQ(c.journalCap(reporting), 4096u);
    reporting.set_journal_max_bytes(1ull << 20);
    EXPECT_EQ(c.journalCap(reporting), 1ull << 20);
}
