// The collector's monitoring listener: /healthz and /metrics over plain HTTP, checked by
// promtool and scraped by a real Prometheus; and what that listener refuses.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <fstream>

#include "mamori/common/Files.h"
#include "tests/support/SimulatedTerminal.h"
#include "tests/support/Subprocess.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;
namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr const char* kPromtool = "/usr/bin/promtool";
constexpr const char* kPrometheus = "/usr/bin/prometheus";

struct Answer {
    unsigned status = 0;  // 0: closed without an answer
    std::string body;
};

Answer request(unsigned short port, http::verb verb, const std::string& target, const std::string& body = "") {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(20));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = body;
    if (!body.empty()) req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    boost::system::error_code ec;
    http::read(stream, buffer, res, ec);
    if (ec) return {};
    return {res.result_int(), res.body()};
}

Answer get(unsigned short port, const std::string& target) { return request(port, http::verb::get, target); }

int promtoolCheck(const fs::path& file, std::string& out) {
    return Subprocess::run({"/bin/sh", "-c", std::string(kPromtool) + " check metrics < '" + file.string() + "'"}, &out);
}

}  // namespace

TEST(Metrics, HealthAndMetricsSayWhatTheCollectorSawAndPromtoolAndPrometheusReadThem) {
    if (!fs::exists(kPromtool) || !fs::exists(kPrometheus))
        GTEST_SKIP() << "prometheus is not installed (scripts/install-deps.sh installs it)";
    const fs::path dir = tempDir("metrics");
    TestCollector collector(dir / "collector");
    collector.start();
    const unsigned short port = collector.metricsPort();
    EXPECT_EQ(get(port, "/healthz").status, 200u);
    EXPECT_EQ(get(port, "/healthz").body, "ok\n");

    SimulatedTerminal terminal(collector.agentUrl(), mamori::common::Files::read(collector.dir() / "ca.pem"));
    ASSERT_EQ(terminal.enroll(collector.token("税務課"), "term-m").status, 200u);
    // A refused stick and a heartbeat; then an altered event; then a batch that is not protobuf.
    auto batch = terminal.batchOf({terminal.violation(mamori::v1::USB_BLOCKED, mamori::v1::USB, "mass-storage")});
    *batch.add_events() = terminal.batch(1).events(0);
    ASSERT_EQ(terminal.send(batch).status, 200u);
    auto altered = terminal.batch(1);
    altered.mutable_events(0)->set_signature(std::string(64, '\0'));
    ASSERT_EQ(terminal.send(altered).status, 200u);
    EXPECT_EQ(terminal.postAuthenticated("/v1/events", "not a batch").status, 400u);
    // A client that speaks no TLS at all to the agent endpoint.
    {
        asio::io_context io;
        asio::ip::tcp::socket s(io);
        s.connect({asio::ip::address_v4::loopback(), collector.agentPort()});
        asio::write(s, asio::buffer(std::string("GET / HTTP/1.0\r\n\r\n")));
        boost::system::error_code ec;
        std::string sink;
        asio::read(s, asio::dynamic_buffer(sink), ec);
    }

    const Answer m = get(port, "/metrics");
    ASSERT_EQ(m.status, 200u) << m.body;
    const std::string& t = m.body;
    EXPECT_EQ(metricSample(t, "mamori_events_received_total"), 2) << t;
    EXPECT_EQ(metricSample(t, "mamori_event_batches_total"), 2) << t;
    EXPECT_EQ(metricSample(t, "mamori_event_batches_refused_total{reason=\"malformed\"}"), 1) << t;
    EXPECT_EQ(metricSample(t, "mamori_evidence_issues_total{kind=\"tampered\"}"), 1) << t;
    EXPECT_EQ(metricSample(t, "mamori_evidence_issues_total{kind=\"gap\"}"), 0) << t;
    EXPECT_EQ(metricSample(t, "mamori_terminals{state=\"tampering_suspected\"}"), 1) << t;
    EXPECT_EQ(metricSample(t, "mamori_terminals{state=\"reporting\"}"), 0) << t;
    EXPECT_EQ(metricSample(t, "mamori_violations_today{control=\"usb\"}"), 1) << t;
    EXPECT_EQ(metricSample(t, "mamori_violation_events_today{control=\"usb\"}"), 1) << t;
    EXPECT_EQ(metricSample(t, "mamori_violations_today{control=\"hours\"}"), 0) << t;
    EXPECT_GE(metricSample(t, "mamori_tls_handshake_failures_total{listener=\"agent\"}"), 1) << t;
    // The terminal's three authenticated requests, each a new connection over one TLS context as an
    // agent's: the first a full handshake, the others resumed.
    EXPECT_EQ(metricSample(t, "mamori_tls_handshakes_total{listener=\"agent\",resumed=\"true\"}"), 2) << t;
    EXPECT_EQ(metricSample(t, "mamori_tls_handshakes_total{listener=\"agent\",resumed=\"false\"}"), 2) << t << "enroll, first batch";
    EXPECT_GE(metricSample(t, "mamori_request_duration_seconds_count{listener=\"agent\"}"), 4) << t << "enroll, 3 batches";
    EXPECT_EQ(metricSample(t, "mamori_request_duration_seconds_count{listener=\"agent\"}"),
              metricSample(t, "mamori_request_duration_seconds_bucket{listener=\"agent\",le=\"+Inf\"}"));
    EXPECT_GE(metricSample(t, "mamori_admission_limit{listener=\"agent\"}"), 8) << t;
    EXPECT_LE(metricSample(t, "mamori_admission_limit{listener=\"agent\"}"), 1024) << t;
    EXPECT_EQ(t.find("mamori_admission_limit{listener=\"admin\"}"), std::string::npos) << "administrators are never limited";
    EXPECT_GT(metricSample(t, "mamori_certificate_expiry_seconds{certificate=\"server\"}"), 300 * 86400.0) << t;
    EXPECT_GT(metricSample(t, "mamori_certificate_expiry_seconds{certificate=\"ca\"}"), 3000 * 86400.0) << t;
    EXPECT_GT(metricSample(t, "mamori_store_bytes"), 4096) << t;
    EXPECT_EQ(metricSample(t, "mamori_store_up"), 1) << t;
    EXPECT_EQ(t.find(terminal.id()), std::string::npos) << "no terminal is named on an unauthenticated page";

    // promtool parses and lints it: names, types, help, units.
    mamori::common::Files::writeAtomic(dir / "scrape.txt", t);
    std::string out;
    EXPECT_EQ(promtoolCheck(dir / "scrape.txt", out), 0) << out;

    // A real Prometheus scrapes it every second; its query API gives back what the collector counted.
    const unsigned short prometheus_port = freePort();
    std::ofstream(dir / "prometheus.yml") << "global:\n  scrape_interval: 1s\n"
                                          << "scrape_configs:\n  - job_name: mamori\n    static_configs:\n"
                                          << "      - targets: ['127.0.0.1:" << port << "']\n";
    EXPECT_EQ(Subprocess::run({kPromtool, "check", "config", (dir / "prometheus.yml").string()}, &out), 0) << out;
    Subprocess prometheus;
    prometheus.start({kPrometheus, "--config.file=" + (dir / "prometheus.yml").string(),
                      "--storage.tsdb.path=" + (dir / "tsdb").string(),
                      "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                     dir / "prometheus.log");
    auto query = [&](const std::string& promql) -> std::string {
        try {
            std::string q;
            for (unsigned char c : promql) {
                if (std::isalnum(c) || c == '_') q += static_cast<char>(c);
                else {
                    char hex[4];
                    std::snprintf(hex, sizeof hex, "%%%02X", c);
                    q += hex;
                }
            }
            const Answer a = get(prometheus_port, "/api/v1/query?query=" + q);
            if (a.status != 200) return "";
            const auto result = boost::json::parse(a.body).at("data").at("result").as_array();
            if (result.empty()) return "";
            return std::string(result.at(0).at("value").as_array().at(1).as_string());
        } catch (const std::exception&) {
            return "";
        }
    };
    EXPECT_TRUE(waitFor([&] { return query("up{job=\"mamori\"}") == "1"; }, std::chrono::seconds(60)))
        << mamori::common::Files::read(dir / "prometheus.log");
    EXPECT_TRUE(waitFor([&] { return query("mamori_events_received_total") == "2"; }, std::chrono::seconds(30)));
    EXPECT_EQ(query("mamori_terminals{state=\"tampering_suspected\"}"), "1");
    EXPECT_EQ(query("mamori_violations_today{control=\"usb\"}"), "1");
    EXPECT_EQ(query("sum(mamori_event_batches_refused_total)"), "1");
    // The healthy answer stays the same once Prometheus has been asking too.
    EXPECT_EQ(get(port, "/healthz").body, "ok\n");
    prometheus.kill(SIGTERM);
    collector.stop();
    if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

TEST(Metrics, TheMonitoringListenerAnswersTwoPagesAndNothingElse) {
    const fs::path dir = tempDir("metrics-refusals");
    TestCollector collector(dir / "collector");
    collector.start();
    const unsigned short port = collector.metricsPort();
    EXPECT_EQ(get(port, "/").status, 404u);
    EXPECT_EQ(get(port, "/admin/v1/terminals").status, 404u);
    EXPECT_EQ(get(port, "/metrics?format=json").status, 200u) << "a query string changes nothing";
    EXPECT_EQ(request(port, http::verb::post, "/metrics").status, 405u);
    EXPECT_EQ(request(port, http::verb::delete_, "/healthz").status, 405u);
    EXPECT_EQ(request(port, http::verb::get, "/metrics", std::string(100000, 'x')).status, 413u) << "no body is read";

    // A header beyond the limit, and bytes that are not HTTP, are closed without an answer.
    auto raw = [&](const std::string& bytes) {
        asio::io_context io;
        asio::ip::tcp::socket s(io);
        s.connect({asio::ip::address_v4::loopback(), port});
        boost::system::error_code ec;
        asio::write(s, asio::buffer(bytes), ec);
        std::string back;
        asio::read(s, asio::dynamic_buffer(back), ec);
        return back;
    };
    EXPECT_EQ(raw("GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n"), "");
    EXPECT_EQ(raw(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(200, '\0')), "");
    // And it still answers.
    EXPECT_EQ(get(port, "/healthz").status, 200u);
    if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

TEST(Metrics, ATakenPortStopsTheStartWhenNamedAndIsLoggedWhenOnlyTheDefault) {
    const fs::path dir = tempDir("metrics-port");
    TestCollector collector(dir / "collector");
    // Another program holds the metrics port.
    asio::io_context io;
    asio::ip::tcp::acceptor holder(io, {asio::ip::address_v4::loopback(), collector.metricsPort()});
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "run", "--dir", collector.dir().string()}, &out), 1) << out;
    EXPECT_NE(out.find("metrics_listen: cannot listen on 127.0.0.1:" + std::to_string(collector.metricsPort())),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("で待ち受けできません"), std::string::npos) << out;
    // With the key removed, the default port is only a wish: evidence is served all the same.
    std::string conf = mamori::common::Files::read(collector.dir() / "collector.conf");
    const auto at = conf.find("metrics_listen");
    conf.erase(at, conf.find('\n', at) + 1 - at);
    mamori::common::Files::writeAtomic(collector.dir() / "collector.conf", conf, 0600);
    // 9464 is held here, or by something else on this machine: either way the collector cannot have it.
    asio::ip::tcp::acceptor default_holder(io);
    boost::system::error_code ec;
    default_holder.open(asio::ip::tcp::v4(), ec);
    default_holder.bind({asio::ip::address_v4::loopback(), 9464}, ec);
    if (!ec) default_holder.listen(1, ec);
    collector.start();
    EXPECT_NE(collector.logText().find("metrics_listen: cannot listen on 127.0.0.1:9464"), std::string::npos)
        << collector.logText();
    EXPECT_NE(collector.logText().find("/metrics and /healthz are not served"), std::string::npos);
    EXPECT_EQ(collector.adminAnswer("/admin/v1/terminals").status, 200u);
    collector.stop();
    if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}
