// Violations and evidence problems reach the city's SIEM through a real rsyslogd on loopback, as
// RFC 5424 it parses into fields: queued while the server is down, sent when it comes up.
#include <gtest/gtest.h>

#include <fstream>

#include "mamori/common/Files.h"
#include "tests/support/SimulatedTerminal.h"
#include "tests/support/Subprocess.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kRsyslogd = "/usr/sbin/rsyslogd";

std::vector<std::string> linesWith(const fs::path& file, const std::string& word) {
    std::vector<std::string> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        if (line.find(word) != std::string::npos) out.push_back(line);
    return out;
}

}  // namespace

TEST(SyslogForwarding, ViolationsAndTamperingReachRsyslogAsStructuredDataEvenWhenItStartsLate) {
    if (!fs::exists(kRsyslogd)) GTEST_SKIP() << "rsyslog is not installed (scripts/install-deps.sh installs it)";
    const fs::path dir = tempDir("syslog");
    const unsigned short port = freePort();
    TestCollector collector(dir / "collector",
                            "syslog_url = tcp://127.0.0.1:" + std::to_string(port) + "\nsyslog_hostname = collector1\n");
    collector.start();
    SimulatedTerminal terminal(collector.agentUrl(), mamori::common::Files::read(collector.dir() / "ca.pem"));
    ASSERT_EQ(terminal.enroll(collector.token("税務課"), "term-s").status, 200u);

    // A refused stick, whose rule id a terminal chose (so it must be escaped), and a heartbeat.
    mamori::v1::EventBatch batch;
    batch.set_terminal_id(terminal.id());
    mamori::v1::EventBody body;
    body.set_terminal_id(terminal.id());
    body.set_type(mamori::v1::USB_BLOCKED);
    body.set_control(mamori::v1::USB);
    body.set_violation(true);
    body.set_outcome(mamori::v1::ENFORCED);
    body.set_rule_id("mass\"storage]\n");
    body.set_utc_ns(terminal.clockNs());
    *batch.add_events() = terminal.chain().append(body);
    *batch.add_events() = terminal.batch(1).events(0);
    ASSERT_EQ(terminal.send(batch).status, 200u);
    ASSERT_TRUE(waitFor([&] { return collector.logText().find("syslog: cannot reach") != std::string::npos; }))
        << collector.logText();

    const fs::path out = dir / "received.log";
    std::ofstream(dir / "rsyslog.conf")
        << "global(workDirectory=\"" << dir.string() << "\")\n"
        << "module(load=\"imtcp\")\n"
        << "input(type=\"imtcp\" port=\"" << port << "\" address=\"127.0.0.1\")\n"
        << "template(name=\"fields\" type=\"string\" "
           "string=\"%msgid%|%app-name%|%hostname%|%syslogfacility%|%syslogseverity%|%structured-data%|%msg%\\n\")\n"
        << "action(type=\"omfile\" file=\"" << out.string() << "\" template=\"fields\")\n";
    Subprocess rsyslog;
    rsyslog.start({kRsyslogd, "-n", "-f", (dir / "rsyslog.conf").string(), "-i", (dir / "rsyslog.pid").string()},
                  dir / "rsyslogd.log");
    ASSERT_TRUE(waitFor([&] { return !linesWith(out, "VIOLATION").empty(); }, std::chrono::seconds(40)))
        << collector.logText() << mamori::common::Files::read(dir / "rsyslogd.log");

    // An altered event: the collector refuses it and forwards the tampering at once.
    auto altered = terminal.batch(1);
    altered.mutable_events(0)->set_signature(std::string(64, '\0'));
    ASSERT_EQ(terminal.send(altered).status, 200u);
    ASSERT_TRUE(waitFor([&] { return !linesWith(out, "TAMPERING").empty(); })) << collector.logText();

    const auto violations = linesWith(out, "VIOLATION");
    ASSERT_EQ(violations.size(), 1u) << "the heartbeat is no violation";
    const std::string& v = violations.front();
    EXPECT_EQ(v.rfind("VIOLATION|mamori-collector|collector1|13|4|[mamori@32473 ", 0), 0u) << v;
    for (const std::string field : {"terminal=\"" + terminal.id() + "\"", std::string("group=\"税務課\""),
                                    std::string("seq=\"1\""), std::string("type=\"USB_BLOCKED\""),
                                    std::string("control=\"USB\""), std::string("outcome=\"ENFORCED\""),
                                    std::string("rule=\"mass\\\"storage\\]\"")})
        EXPECT_NE(v.find(field), std::string::npos) << field << " in " << v;
    EXPECT_NE(v.find("hash=\""), std::string::npos) << v;
    EXPECT_NE(v.find("USB_BLOCKED on " + terminal.id() + " (税務課): ENFORCED"), std::string::npos) << v;
    const std::string t = linesWith(out, "TAMPERING").front();
    EXPECT_EQ(t.rfind("TAMPERING|mamori-collector|collector1|13|2|", 0), 0u) << t;
    EXPECT_NE(t.find("kind=\"tampered\""), std::string::npos) << t;
    EXPECT_NE(collector.logText().find("syslog: 127.0.0.1:" + std::to_string(port) + " reached again"), std::string::npos);
    rsyslog.kill(SIGTERM);
}
