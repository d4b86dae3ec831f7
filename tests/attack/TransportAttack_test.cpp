// Attacks on the collector's listeners from outside, with the tools an attacker would use:
// openssl s_client and curl against the real process. Each test ends by proving that an honest
// terminal still delivers exactly once, that memory stayed bounded and that the process is up.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "AttackedCollector.h"
#include "tests/support/RawTlsClient.h"

using namespace mamori::test;

namespace {

class TransportAttack : public ::testing::Test {
protected:
    // One collector for the suite: each attack here leaves it as it found it, which the honest
    // delivery at each test's end checks. Short request timeout for the slowloris case; the
    // per-address cap above the 30 parallel bodies of the memory case, which come from one address.
    static void SetUpTestSuite() {
        target = std::make_unique<AttackedCollector>("transport",
                                                     "request_timeout_seconds = 3\nmax_connections_per_address = 40\n");
        target->start();
    }
    static void TearDownTestSuite() { target.reset(); }
    void SetUp() override {
        if (!target->collector().running()) GTEST_SKIP() << "the collector died in an earlier test";
    }

    static std::string agentHost() { return "127.0.0.1:" + std::to_string(target->collector().agentPort()); }
    static std::string adminHost() { return "127.0.0.1:" + std::to_string(target->collector().adminPort()); }

    // openssl s_client to host with extra options, sending `request`; everything it printed.
    static std::string sClient(const std::string& host, const std::string& options, const std::string& request,
                               int* rc = nullptr) {
        std::string out;
        const int code = AttackedCollector::shell("printf '" + request + "' | timeout 10 openssl s_client -connect " +
                                                      host + " -CAfile " + target->caFile() + " -ign_eof " + options,
                                                  &out);
        if (rc) *rc = code;
        return out;
    }

    // curl's HTTP status for a request, "000" when no HTTP answer came, then any error curl gave.
    static std::string curlStatus(const std::string& args) {
        std::string out;
        AttackedCollector::shell("curl -sS -o /dev/null -w '%{http_code}' --max-time 20 --cacert " + target->caFile() +
                                     " " + args,
                                 &out);
        return out;
    }

    // A file of `bytes` zero bytes (sparse: it costs no disk), for bodies curl streams from disk.
    static std::string bodyFile(const std::string& name, uintmax_t bytes) {
        const auto path = target->dir() / name;
        std::ofstream(path).close();
        std::filesystem::resize_file(path, bytes);
        return path.string();
    }

    static size_t occurrences(const std::string& text, const std::string& needle) {
        size_t n = 0;
        for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
        return n;
    }

    static inline std::unique_ptr<AttackedCollector> target;
};

const std::string kGetCa = "GET /v1/ca HTTP/1.1\\r\\nHost: collector\\r\\nConnection: close\\r\\n\\r\\n";

TEST_F(TransportAttack, EventsWithoutAClientCertificateGet401) {
    const std::string request =
        "POST /v1/events HTTP/1.1\\r\\nHost: collector\\r\\nContent-Type: application/x-protobuf\\r\\n"
        "Content-Length: 0\\r\\nConnection: close\\r\\n\\r\\n";
    const std::string out = sClient(agentHost(), "-tls1_3 -quiet", request);
    EXPECT_NE(out.find("HTTP/1.1 401"), std::string::npos) << out;
    target->expectSurvived();
}

TEST_F(TransportAttack, ACertificateFromAForeignCaIsRefusedInTheHandshake) {
    // A CA of the attacker's own issuing a client certificate named after the honest terminal.
    const auto d = target->dir() / "foreign";
    std::filesystem::create_directories(d);
    const std::string p = d.string() + "/";
    std::string out;
    ASSERT_EQ(AttackedCollector::shell(
                  "cd " + p + " && openssl req -x509 -newkey ed25519 -nodes -keyout ca.key -out ca.pem -days 2 "
                  "-subj '/CN=mamori collector CA' && openssl req -new -newkey ed25519 -nodes -keyout t.key -out t.csr "
                  "-subj '/CN=" + target->honest().id() + "' && openssl x509 -req -in t.csr -CA ca.pem -CAkey ca.key "
                  "-CAcreateserial -days 2 -out t.pem",
                  &out),
              0)
        << out;
    const std::string request = "POST /v1/sync HTTP/1.1\\r\\nHost: collector\\r\\nContent-Length: 0\\r\\n"
                                "Connection: close\\r\\n\\r\\n";
    out = sClient(agentHost(), "-tls1_3 -quiet -cert " + p + "t.pem -key " + p + "t.key", request);
    EXPECT_EQ(out.find("HTTP/1.1"), std::string::npos) << "the collector answered a foreign certificate:\n" << out;
    EXPECT_NE(out.find("alert"), std::string::npos) << out;
    target->expectSurvived();
}

TEST_F(TransportAttack, Tls12IsRefusedOnBothListeners) {
    for (const auto& host : {agentHost(), adminHost()}) {
        // The same request over TLS 1.3 is answered: the refusal below is the version's alone.
        EXPECT_NE(sClient(host, "-tls1_3 -quiet", kGetCa).find("HTTP/1.1 "), std::string::npos) << host;
        int rc = 0;
        const std::string out = sClient(host, "-tls1_2", kGetCa, &rc);
        EXPECT_NE(rc, 0) << out;
        EXPECT_EQ(out.find("HTTP/1.1"), std::string::npos) << out;
        EXPECT_NE(out.find("alert protocol version"), std::string::npos) << out;
    }
    target->expectSurvived();
}

TEST_F(TransportAttack, ASixtyFourMegabyteBodyIsRefusedBeforeItIsRead) {
    const std::string body = bodyFile("64mb.bin", 64ull << 20);
    std::ofstream(target->dir() / "honest.pem") << target->honest().certificatePem();
    std::ofstream(target->dir() / "honest.key") << target->honest().key().privatePem();
    const std::string limit_line = "over the 16777216-byte limit";
    const size_t logged_before = occurrences(target->collector().logText(), limit_line);
    const std::vector<std::string> requests = {
        // Without credentials, at the agent and the admin listener.
        "-H 'Content-Type: application/x-protobuf' https://" + agentHost() + "/v1/events",
        "-H 'Authorization: Bearer made-up' https://" + adminHost() + "/admin/v1/policies",
        // With the honest terminal's own certificate.
        "--cert " + (target->dir() / "honest.pem").string() + " --key " + (target->dir() / "honest.key").string() +
            " -H 'Content-Type: application/x-protobuf' https://" + agentHost() + "/v1/events",
    };
    for (const auto& request : requests) {
        // Refused on the announced length, before a byte of the body is read. The collector
        // closes with the body unread, so the kernel may reset the connection before curl has
        // read the 413: either is a refusal; what was refused is counted in the log below.
        const std::string status = curlStatus("-H 'Expect:' -X POST -T " + body + " " + request);
        EXPECT_TRUE(status == "413" || status.find("Connection reset by peer") != std::string::npos)
            << request << ": " << status;
    }
    // One line per distinct refusal: the second at the agent endpoint says the same as the first,
    // and a repeat within a minute is held back (counted when that line is next written).
    EXPECT_TRUE(waitFor([&] {
        return occurrences(target->collector().logText(), limit_line) == logged_before + requests.size() - 1;
    })) << target->collector().logText();
    std::filesystem::remove(body);
    target->expectSurvived();
}

TEST_F(TransportAttack, ASlowlorisHeaderTrickleIsClosed) {
    RawTlsClient slow(target->collector().agentPort());
    ASSERT_TRUE(slow.trySend("POST /v1/events HTTP/1.1\r\nHost: collector\r\n"));
    const auto t0 = std::chrono::steady_clock::now();
    // One header byte every 250 ms, for at most 12 s: the 3 s request timeout must cut it. A
    // write fails once the collector has closed (the write after its reset).
    bool open = true;
    for (int i = 0; i < 48 && open; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        open = slow.trySend("X");
    }
    EXPECT_FALSE(open) << "a header trickle was kept for 12 s";
    const auto held = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(held, std::chrono::milliseconds(2500));  // not before its time: the timeout is what cut it
    EXPECT_LT(held, std::chrono::seconds(6));
    EXPECT_TRUE(target->logged("too slow to send a request")) << target->collector().logText();
    target->expectSurvived();
}

TEST_F(TransportAttack, AnOverLongQueryStringIs414OnBothListeners) {
    const std::string query = "?q=" + std::string(20000, 'a');
    EXPECT_EQ(curlStatus("'https://" + agentHost() + "/v1/ca" + query + "'"), "414");
    EXPECT_EQ(curlStatus("-H 'Authorization: Bearer " + target->adminToken() + "' 'https://" + adminHost() +
                         "/admin/v1/terminals" + query + "'"),
              "414");
    // Just under the limit the same request is answered normally.
    EXPECT_EQ(curlStatus("-H 'Authorization: Bearer " + target->adminToken() + "' 'https://" + adminHost() +
                         "/admin/v1/terminals?q=" + std::string(1000, 'a') + "'"),
              "200");
    target->expectSurvived();
}

TEST_F(TransportAttack, AnOverLongHeaderIs431OnBothListeners) {
    const std::string filler = "-H 'X-Filler: " + std::string(20000, 'b') + "'";
    EXPECT_EQ(curlStatus(filler + " https://" + agentHost() + "/v1/ca"), "431");
    EXPECT_EQ(curlStatus(filler + " -H 'Authorization: Bearer " + target->adminToken() + "' https://" + adminHost() +
                         "/admin/v1/terminals"),
              "431");
    target->expectSurvived();
}

TEST_F(TransportAttack, ACrowdFromOneAddressGets503AndOtherAddressesAreStillServed) {
    // 40 connections from 127.0.0.7 fill that address's cap; the 41st is told to come back.
    std::vector<std::unique_ptr<RawTlsClient>> crowd;
    for (int i = 0; i < 40; ++i)
        crowd.push_back(std::make_unique<RawTlsClient>(target->collector().agentPort(), "127.0.0.7"));
    RawTlsClient over(target->collector().agentPort(), "127.0.0.7");
    const std::string answer = over.readAll();
    EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
    EXPECT_NE(answer.find("Retry-After: "), std::string::npos) << answer;
    EXPECT_TRUE(target->logged("refused with 503")) << target->collector().logText();
    // The honest terminal, from 127.0.0.1, is not held back by another address's crowd.
    target->expectHonestDelivery();
    crowd.clear();
    target->expectSurvived();
}

TEST_F(TransportAttack, AHostnameWithANewlineForgesNoLogLine) {
    // A well-formed token already used: the refusal names the hostname the caller gave.
    const std::string token = target->collector().token();
    SimulatedTerminal first(target->collector().agentUrl(), target->caPem());
    ASSERT_EQ(first.enroll(token, "pc-first").status, 200u);
    SimulatedTerminal liar(target->collector().agentUrl(), target->caPem());
    const std::string forged = "FORGED-LINE mamori-collector: terminal pc-001 enrolled by admin";
    const auto res = liar.enroll(token, "pc-evil\n" + forged + "\r\n" + forged);
    EXPECT_EQ(res.status, 403u) << res.body;
    ASSERT_TRUE(target->logged("FORGED-LINE")) << "the refusal was not logged:\n" << target->collector().logText();
    std::istringstream log(target->collector().logText());
    for (std::string line; std::getline(log, line);)
        EXPECT_NE(line.rfind("FORGED-LINE", 0), 0u) << "a forged line reached the log: " << line;
    target->expectSurvived();
}

TEST_F(TransportAttack, ThirtyUnauthenticatedFifteenMegabyteBodiesAreNotBuffered) {
    const std::string body = bodyFile("15mb.bin", 15'000'000);
    // Half at the admin listener with a made-up token, half at enrollment without a certificate,
    // all at once; curl streams the body from disk and does not wait for 100-continue.
    std::string script;
    for (int i = 0; i < 15; ++i) {
        script += "curl -s -o /dev/null --max-time 30 --cacert " + target->caFile() +
                  " -H 'Expect:' -H 'Authorization: Bearer made-up' -X POST -T " + body + " https://" + adminHost() +
                  "/admin/v1/policies & ";
        script += "curl -s -o /dev/null --max-time 30 --cacert " + target->caFile() +
                  " -H 'Expect:' -H 'Content-Type: application/x-protobuf' -X POST -T " + body + " https://" +
                  agentHost() + "/v1/enroll & ";
    }
    script += "wait";
    AttackedCollector::shell(script);
    const mamori::bench::ProcessSample after(target->collector().pid());
    std::printf("collector memory: idle %ld kB, peak %ld kB, now %ld kB after 30 bodies of 15 MB\n", target->idleKb(),
                after.hwm_kb, after.rss_kb);
    std::filesystem::remove(body);
    target->expectSurvived();
}

TEST_F(TransportAttack, SighupNeverStopsIt) {
    for (int i = 0; i < 3; ++i) target->collector().signal(SIGHUP);
    EXPECT_TRUE(target->logged("it takes effect at the next restart")) << target->collector().logText();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    target->expectSurvived();
}

}  // namespace
