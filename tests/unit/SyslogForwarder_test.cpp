// The RFC 5424 messages a batch becomes: only violations and evidence problems, every field a
// terminal chose escaped so that it cannot end the structured data or forge another parameter.
#include <gtest/gtest.h>

#include "collector/SyslogForwarder.h"

using mamori::collector::IngestBatch;
using mamori::collector::IngestEvent;
using mamori::collector::SyslogForwarder;

TEST(SyslogForwarder, ParamValuesCannotBreakOutOfTheirQuotes) {
    EXPECT_EQ(SyslogForwarder::paramValue("a\"] [x@1 y=\"z"), "a\\\"\\] [x@1 y=\\\"z");
    EXPECT_EQ(SyslogForwarder::paramValue("back\\slash"), "back\\\\slash");
    EXPECT_EQ(SyslogForwarder::paramValue("line\nbreak\r\x01\x7f"), "linebreak");
    EXPECT_EQ(SyslogForwarder::paramValue("税務課"), "税務課");
}

TEST(SyslogForwarder, OnlyViolationsAndEvidenceProblemsBecomeMessages) {
    IngestBatch b;
    b.now_unix = 1'796'000'000;
    IngestEvent quiet, loud;
    quiet.seq = 1;
    loud.seq = 2;
    loud.violation = true;
    loud.type = mamori::v1::USB_BLOCKED;
    loud.control = mamori::v1::USB;
    loud.outcome = mamori::v1::ENFORCED;
    loud.local_date = "2026-12-01";
    loud.utc_ns = int64_t{1'796'000'000} * 1'000'000'000;
    b.events = {quiet, loud};
    b.issues.push_back({"gap", 3, 5, "seq 3-5 never arrived", "2026-12-01", b.now_unix});
    const auto m = SyslogForwarder::messages("collector 1\n", "pc-1", "税務課", b);
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].rfind("<108>1 2026-11-30T00:53:20Z ", 0), 0u) << m[0];  // log audit (13) × 8 + warning (4)
    EXPECT_NE(m[0].find(" collector1 mamori-collector - VIOLATION [mamori@32473 terminal=\"pc-1\" group=\"税務課\" seq=\"2\""),
              std::string::npos)
        << m[0];
    EXPECT_NE(m[0].find("] \xEF\xBB\xBFUSB_BLOCKED on pc-1 (税務課): ENFORCED"), std::string::npos) << m[0];
    EXPECT_EQ(m[1].rfind("<106>1 ", 0), 0u) << m[1];  // critical
    EXPECT_NE(m[1].find("TAMPERING [mamori@32473 terminal=\"pc-1\" group=\"税務課\" kind=\"gap\" first_seq=\"3\" last_seq=\"5\""),
              std::string::npos)
        << m[1];
    EXPECT_THROW(SyslogForwarder("udp://h:514", "c"), std::exception);
    EXPECT_THROW(SyslogForwarder("tcp://h:0", "c"), std::exception);
    EXPECT_THROW(SyslogForwarder("tcp://h", "c"), std::exception);
    EXPECT_THROW(SyslogForwarder("tls://h", "c"), std::exception);
    EXPECT_THROW(SyslogForwarder("tcp://h:514", "c", "/etc/hostname"), std::exception) << "a CA for plain TCP";
    EXPECT_THROW(SyslogForwarder("tls://h:6514", "c", "/nonexistent/ca.pem"), std::exception);
}
