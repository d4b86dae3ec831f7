// Alert mail as a city receives it: a real SMTP server on loopback (aiosmtpd) that insists on
// STARTTLS, the mails decoded by Python's own email parser. The CISO gets every finding, a
// section's mailbox only its own, in Japanese, within an interval.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "mamori/common/Files.h"
#include "tests/support/SimulatedTerminal.h"
#include "tests/support/Subprocess.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

// Every mail delivered into the maildir, decoded: [{"to", "subject", "body"}].
boost::json::array mailsIn(const fs::path& maildir) {
    std::string out;
    const int rc = Subprocess::run(
        {kPython, "-c",
         "import json, mailbox, sys\n"
         "from email.header import decode_header, make_header\n"
         "rows = []\n"
         "for m in mailbox.Maildir(sys.argv[1], create=False):\n"
         "    rows.append({'to': m['To'], 'subject': str(make_header(decode_header(m['Subject']))),\n"
         "                 'body': m.get_payload(decode=True).decode(m.get_content_charset())})\n"
         "print(json.dumps(rows, ensure_ascii=False))\n",
         maildir.string()},
        &out);
    if (rc != 0) return {};
    return boost::json::parse(out).as_array();
}

}  // namespace

TEST(AlertMail, TheCisoGetsEveryFindingAndASectionOnlyItsOwnOverStartTls) {
    if (Subprocess::run({kPython, "-c", "import aiosmtpd"}) != 0) GTEST_SKIP() << "python3-aiosmtpd is not installed";
    const fs::path dir = tempDir("alert-mail");
    std::string out;
    ASSERT_EQ(Subprocess::run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                               "-nodes", "-keyout", (dir / "relay.key").string(), "-out", (dir / "relay.pem").string(),
                               "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                              &out),
              0)
        << out;
    const unsigned short port = freePort();
    Subprocess relay;
    // --tlscert: the relay refuses MAIL FROM until STARTTLS, as a city's relay should.
    relay.start({kPython, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port), "--tlscert",
                 (dir / "relay.pem").string(), "--tlskey", (dir / "relay.key").string(), "-c",
                 "aiosmtpd.handlers.Mailbox", (dir / "maildir").string()},
                dir / "relay.log");
    ASSERT_TRUE(waitFor([&] { return TestCollector::connectable(port); })) << mamori::common::Files::read(dir / "relay.log");

    TestCollector collector(dir / "collector", "smtp_url = smtp://127.0.0.1:" + std::to_string(port) +
                                                   "\nsmtp_from = mamori@city.example.jp\nsmtp_ca = " +
                                                   (dir / "relay.pem").string() +
                                                   "\nalert_mail_ciso = ciso@city.example.jp\n"
                                                   "alert_mail_sections = 税務課=zeimu@city.example.jp; "
                                                   "住民課=jumin@city.example.jp\nalert_interval = 10s\n");
    // Sections begin with their first token: at the start neither is known yet, and the log says so.
    collector.start();
    EXPECT_TRUE(waitFor([&] {
        return collector.logText().find("no section (group) '税務課' is known; none is known yet") != std::string::npos;
    })) << collector.logText();
    EXPECT_NE(collector.logText().find("alert_mail_sections in collector.conf names it"), std::string::npos);
    const std::string ca = mamori::common::Files::read(collector.dir() / "ca.pem");
    SimulatedTerminal tax(collector.agentUrl(), ca), residents(collector.agentUrl(), ca);
    ASSERT_EQ(tax.enroll(collector.token("税務課"), "zeimu-01").status, 200u);
    ASSERT_EQ(residents.enroll(collector.token("住民課"), "jumin-01").status, 200u);
    ASSERT_EQ(tax.send(tax.batchOf({tax.violation(mamori::v1::USB_BLOCKED, mamori::v1::USB)})).status, 200u);
    ASSERT_EQ(residents.send(residents.batch(1)).status, 200u);  // a heartbeat: no finding
    auto altered = residents.batch(1);
    altered.mutable_events(0)->set_signature(std::string(64, '\0'));
    ASSERT_EQ(residents.send(altered).status, 200u);

    auto to = [](const boost::json::array& mails, const std::string& address) {
        std::string subjects, bodies;
        for (const auto& m : mails)
            if (m.at("to").as_string() == address) {
                subjects += std::string(m.at("subject").as_string()) + "\n";
                bodies += std::string(m.at("body").as_string()) + "\n";
            }
        return std::make_pair(subjects, bodies);
    };
    boost::json::array mails;
    ASSERT_TRUE(waitFor(
        [&] {
            mails = mailsIn(dir / "maildir");
            const auto ciso = to(mails, "ciso@city.example.jp").second;
            return ciso.find(tax.id()) != std::string::npos && ciso.find(residents.id()) != std::string::npos &&
                   !to(mails, "jumin@city.example.jp").second.empty() && !to(mails, "zeimu@city.example.jp").second.empty();
        },
        std::chrono::seconds(60)))
        << boost::json::serialize(mails) << collector.logText() << mamori::common::Files::read(dir / "relay.log");

    const auto [ciso_subject, ciso_body] = to(mails, "ciso@city.example.jp");
    EXPECT_NE(ciso_subject.find("【mamori】"), std::string::npos) << ciso_subject;
    EXPECT_NE(ciso_subject.find("違反 1件"), std::string::npos) << ciso_subject;
    EXPECT_NE(ciso_body.find("■ 違反 / Violations (1)"), std::string::npos) << ciso_body;
    EXPECT_NE(ciso_body.find("税務課  " + tax.id() + "  USB_BLOCKED (ENFORCED, seq 1)"), std::string::npos) << ciso_body;
    EXPECT_NE(ciso_body.find("■ 改ざんの疑い / Tampering suspected"), std::string::npos) << ciso_body;
    const auto [zeimu_subject, zeimu_body] = to(mails, "zeimu@city.example.jp");
    EXPECT_NE(zeimu_body.find(tax.id()), std::string::npos) << zeimu_body;
    EXPECT_EQ(zeimu_body.find(residents.id()), std::string::npos) << "another section's finding: " << zeimu_body;
    const auto [jumin_subject, jumin_body] = to(mails, "jumin@city.example.jp");
    EXPECT_NE(jumin_subject.find("改ざんの疑い 1件"), std::string::npos) << jumin_subject;
    EXPECT_EQ(jumin_body.find(tax.id()), std::string::npos) << jumin_body;
    EXPECT_EQ(jumin_body.find("違反 /"), std::string::npos) << "a heartbeat is no finding: " << jumin_body;
    relay.kill(SIGTERM);
}

TEST(AlertMail, AMisconfiguredMailerStopsTheCollectorAtStartWithTheKey) {
    const fs::path dir = tempDir("alert-mail-conf");
    for (const auto& [conf, expected] : std::vector<std::pair<std::string, std::string>>{
             {"smtp_url = smtp://127.0.0.1:25\nsmtp_from = mamori@city.example.jp\n", "nobody receives alerts"},
             {"smtp_url = smtp://127.0.0.1:25\nsmtp_from = not an address\nalert_mail_ciso = a@b.jp\n", "smtp_from"},
             {"smtp_url = smtp://127.0.0.1:25\nsmtp_from = m@b.jp\nalert_mail_sections = 税務課 a@b.jp\n",
              "is not SECTION=ADDRESS"},
             {"smtp_url = smtp://127.0.0.1:25\nsmtp_from = m@b.jp\nalert_mail_ciso = a@b.jp, <x>\n",
              "'<x>' is not a mail address"},
             {"smtp_url = http://relay\nsmtp_from = m@b.jp\nalert_mail_ciso = a@b.jp\n", "smtp_url must begin"},
             {"smtp_url = smtp://127.0.0.1:25\nsmtp_from = m@b.jp\nalert_mail_ciso = a@b.jp\nsmtp_starttls = maybe\n",
              "'smtp_starttls' must be one of required, off, found 'maybe'"}}) {
        const fs::path home = dir / std::to_string(std::hash<std::string>{}(conf));
        TestCollector collector(home, conf);
        std::string out;
        EXPECT_NE(Subprocess::run({bin("mamori-collector"), "run", "--dir", home.string()}, &out), 0) << conf;
        EXPECT_NE(out.find(expected), std::string::npos) << conf << " -> " << out;
    }
}
