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

// rsyslogd on 127.0.0.1:port writing each message's fields, one line each, to `out`; over TLS
// with the certificate and key given (the openssl driver), else plain TCP.
void startRsyslog(Subprocess& rsyslog, const fs::path& dir, unsigned short port, const fs::path& out,
                  const fs::path& cert = {}, const fs::path& key = {}) {
    std::ofstream conf(dir / "rsyslog.conf");
    conf << "global(workDirectory=\"" << dir.string() << "\"";
    if (!cert.empty())
        conf << " DefaultNetstreamDriver=\"ossl\" DefaultNetstreamDriverCAFile=\"" << cert.string()
             << "\" DefaultNetstreamDriverCertFile=\"" << cert.string() << "\" DefaultNetstreamDriverKeyFile=\""
             << key.string() << "\"";
    conf << ")\n"
         << (cert.empty() ? "module(load=\"imtcp\")\n"
                          : "module(load=\"imtcp\" StreamDriver.Name=\"ossl\" StreamDriver.Mode=\"1\" "
                            "StreamDriver.AuthMode=\"anon\")\n")
         << "input(type=\"imtcp\" port=\"" << port << "\" address=\"127.0.0.1\")\n"
         << "template(name=\"fields\" type=\"string\" "
            "string=\"%msgid%|%app-name%|%hostname%|%syslogfacility%|%syslogseverity%|%structured-data%|%msg%\\n\")\n"
         << "action(type=\"omfile\" file=\"" << out.string() << "\" template=\"fields\")\n";
    conf.close();
    rsyslog.start({kRsyslogd, "-n", "-f", (dir / "rsyslog.conf").string(), "-i", (dir / "rsyslog.pid").string()},
                  dir / "rsyslogd.log");
}

int openssl(std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    std::string out;
    const int rc = Subprocess::run(args, &out);
    EXPECT_EQ(rc, 0) << out;
    return rc;
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
    auto batch = terminal.batchOf({terminal.violation(mamori::v1::USB_BLOCKED, mamori::v1::USB, "mass\"storage]\n")});
    *batch.add_events() = terminal.batch(1).events(0);
    ASSERT_EQ(terminal.send(batch).status, 200u);
    ASSERT_TRUE(waitFor([&] { return collector.logText().find("syslog: cannot reach") != std::string::npos; }))
        << collector.logText();

    const fs::path out = dir / "received.log";
    Subprocess rsyslog;
    startRsyslog(rsyslog, dir, port, out);
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
    for (const std::string& field : {"terminal=\"" + terminal.id() + "\"", std::string("group=\"税務課\""),
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

// Over TLS the collector talks only to a server whose certificate chains to syslog_ca and names
// the host it dialled: messages wait while an impostor answers, and reach the real server after.
TEST(SyslogForwarding, OverTlsOnlyTheServerSyslogCaVouchesForGetsTheMessages) {
    if (!fs::exists(kRsyslogd) || !fs::exists("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so"))
        GTEST_SKIP() << "rsyslog-openssl is not installed (scripts/install-deps.sh installs it)";
    const fs::path dir = tempDir("syslog-tls");
    const std::string d = dir.string() + "/";
    // The city's CA, its syslog server's certificate (for 127.0.0.1), and an impostor's own.
    const std::vector<std::string> ec{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"};
    auto with = [&](std::vector<std::string> a, const std::vector<std::string>& more) {
        a.insert(a.end(), more.begin(), more.end());
        return a;
    };
    ASSERT_EQ(openssl(with({"req", "-x509", "-days", "2", "-subj", "/CN=city CA", "-keyout", d + "ca.key", "-out", d + "ca.pem"}, ec)), 0);
    ASSERT_EQ(openssl(with({"req", "-subj", "/CN=127.0.0.1", "-keyout", d + "server.key", "-out", d + "server.csr"}, ec)), 0);
    std::ofstream(dir / "san.ext") << "subjectAltName=IP:127.0.0.1\n";
    ASSERT_EQ(openssl({"x509", "-req", "-in", d + "server.csr", "-CA", d + "ca.pem", "-CAkey", d + "ca.key",
                       "-CAcreateserial", "-days", "2", "-extfile", d + "san.ext", "-out", d + "server.pem"}),
              0);
    ASSERT_EQ(openssl(with({"req", "-x509", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-keyout", d + "impostor.key", "-out", d + "impostor.pem"}, ec)),
              0);

    const unsigned short port = freePort();
    TestCollector collector(dir / "collector", "syslog_url = tls://127.0.0.1:" + std::to_string(port) +
                                                   "\nsyslog_ca = " + d + "ca.pem\nsyslog_hostname = collector1\n");
    const fs::path out = dir / "received.log";
    Subprocess impostor;
    startRsyslog(impostor, dir, port, out, dir / "impostor.pem", dir / "impostor.key");
    ASSERT_TRUE(waitFor([&] { return Subprocess::run({"/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port)}) == 0; }))
        << mamori::common::Files::read(dir / "rsyslogd.log");
    collector.start();
    SimulatedTerminal terminal(collector.agentUrl(), mamori::common::Files::read(collector.dir() / "ca.pem"));
    ASSERT_EQ(terminal.enroll(collector.token("税務課"), "term-t").status, 200u);
    ASSERT_EQ(terminal.send(terminal.batchOf({terminal.violation(mamori::v1::USB_BLOCKED, mamori::v1::USB, "usb-1")})).status,
              200u);
    ASSERT_TRUE(waitFor([&] { return collector.logText().find("syslog: cannot reach 127.0.0.1:" + std::to_string(port) +
                                                              " (TLS handshake with 127.0.0.1 failed") != std::string::npos; }))
        << collector.logText();
    EXPECT_NE(collector.logText().find("failed: self-signed certificate)"), std::string::npos)
        << "the reason is OpenSSL's verdict on the impostor's certificate: " << collector.logText();
    EXPECT_TRUE(linesWith(out, "VIOLATION").empty()) << "nothing reaches a server the CA does not vouch for";
    impostor.kill(SIGTERM);

    Subprocess rsyslog;
    startRsyslog(rsyslog, dir, port, out, dir / "server.pem", dir / "server.key");
    ASSERT_TRUE(waitFor([&] { return !linesWith(out, "VIOLATION").empty(); }, std::chrono::seconds(60)))
        << collector.logText() << mamori::common::Files::read(dir / "rsyslogd.log");
    const std::string v = linesWith(out, "VIOLATION").front();
    EXPECT_EQ(v.rfind("VIOLATION|mamori-collector|collector1|13|4|[mamori@32473 ", 0), 0u) << v;
    EXPECT_NE(v.find("rule=\"usb-1\""), std::string::npos) << v;
    rsyslog.kill(SIGTERM);
    collector.stop();
    if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}
