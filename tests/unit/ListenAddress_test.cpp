#include "collector/ListenAddress.h"

#include <gtest/gtest.h>

#include "mamori/common/UserError.h"

using mamori::collector::ListenAddress;

namespace {

TEST(ListenAddress, HostAndPortFrom1To65535) {
    EXPECT_EQ(ListenAddress::parse("0.0.0.0:8443", "agent_listen").port(), 8443);
    EXPECT_EQ(ListenAddress::parse("127.0.0.1:65535", "x").port(), 65535);
    EXPECT_EQ(ListenAddress::parse("127.0.0.1:1", "x").port(), 1);
    EXPECT_TRUE(ListenAddress::parse("[::1]:8444", "x").address().is_v6());
}

// Regression: 127.0.0.1:99999 was read as port 34463 (99999 mod 65536), and :0 as "any".
TEST(ListenAddress, RefusesWhatTheKernelWouldReadAsAnotherPort) {
    for (const char* bad : {"127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:-1", "127.0.0.1:", "127.0.0.1", ":8443",
                            "[]:8443", "localhost:8443", "127.0.0.1:8443 ", "127.0.0.1:0x10", "300.0.0.1:8443"}) {
        try {
            ListenAddress::parse(bad, "--agent-listen");
            ADD_FAILURE() << bad << " accepted";
        } catch (const mamori::common::UserError& e) {
            EXPECT_NE(e.english().find("--agent-listen '" + std::string(bad) + "'"), std::string::npos) << e.english();
            EXPECT_FALSE(e.japanese().empty());
        }
    }
}

}  // namespace
