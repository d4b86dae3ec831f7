// The collector's agent listener against clients that lie or crowd: what a caller without
// credentials can make the collector read and hold is bounded by the header, never by the body
// it announces; over-long request lines and headers get 414 and 431; a crowd from one address
// gets 503 with Retry-After, and what queued while the workers were held, or came while more
// agents' connections were under way than are answered quickly, is turned away as busy before its
// handshake, which the agent reads as the same. After each, the
// listener still serves; a SIGHUP never stops it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mamori/common/Files.h"
#include "mamori/common/HttpsClient.h"
#include "tests/support/RawTlsClient.h"
#include "tests/support/SimulatedTerminal.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

unsigned short portOf(const std::string& url) { return static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1))); }

// Whether every thread of `pid` is stopped: kill(SIGSTOP) returns before they all are, and one
// still running could take a connection the test means to queue.
bool allStopped(pid_t pid) {
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    for (const auto& task : std::filesystem::directory_iterator(tasks)) {
        std::ifstream stat(task.path() / "stat");
        std::string line;
        std::getline(stat, line);
        const auto close = line.rfind(')');  // the name may hold spaces and parentheses
        if (close == std::string::npos || line.size() < close + 3 || line[close + 2] != 'T') return false;
    }
    return true;
}

// How many connections wait in the accept queue of the listener on `port` (any address), from
// /proc/net/tcp{,6}: for a listening socket the receive-queue field is that queue's length.
unsigned queuedToAccept(unsigned short port) {
    unsigned queued = 0;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);  // the heading
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state, queues;
            fields >> slot >> local >> remote >> state >> queues;
            if (state != "0A" || std::stoul(local.substr(local.rfind(':') + 1), nullptr, 16) != port) continue;
            queued += static_cast<unsigned>(std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16));
        }
    }
    return queued;
}

class BoundedListener : public ::testing::Test {
protected:
    BoundedListener() : dir(tempDir("bounded-listener")), collector(dir / "collector", "max_connections_per_address = 4\n") {
        collector.start();
        port = portOf(collector.agentUrl());
    }
    // A request announcing a 15 MB body, sent without it: answered 401 on its header, at once.
    static std::string refusedOnHeader(unsigned short port, const std::string& request_line, const std::string& fields) {
        RawTlsClient c(port);
        c.send(request_line + " HTTP/1.1\r\nHost: collector\r\n" + fields +
               "Content-Type: application/x-protobuf\r\nContent-Length: 15000000\r\n\r\n");
        const auto t0 = std::chrono::steady_clock::now();
        const std::string answer = c.readAll();
        EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3)) << "it waited for the body";
        return answer;
    }
    // The listener still answers an honest question.
    void expectStillServing() {
        RawTlsClient c(port);
        c.send("GET /v1/ca HTTP/1.1\r\nHost: collector\r\nConnection: close\r\n\r\n");
        const std::string answer = c.readAll();
        EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
        EXPECT_NE(answer.find("BEGIN CERTIFICATE"), std::string::npos);
    }
    // Whether it answers one again, for a wait: no connection yet is no.
    bool servesAgain() const {
        try {
            RawTlsClient c(port);
            c.send("GET /v1/ca HTTP/1.1\r\nHost: collector\r\nConnection: close\r\n\r\n");
            return c.readAll().rfind("HTTP/1.1 200", 0) == 0;
        } catch (const std::exception&) {
            return false;
        }
    }

    std::filesystem::path dir;
    TestCollector collector;
    unsigned short port = 0;
};

TEST_F(BoundedListener, AnUnauthenticatedBodyIsRefusedOnItsHeaderAlone) {
    // 15 MB announced, none sent: the answer must come without waiting for a byte of it.
    const std::string answer = refusedOnHeader(port, "POST /v1/events", "");
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
    expectStillServing();
}

TEST_F(BoundedListener, AnAdminRequestWithoutAValidTokenIsRefusedOnItsHeaderAlone) {
    const std::string answer =
        refusedOnHeader(collector.adminPort(), "POST /admin/v1/policies", "Authorization: Bearer made-up\r\n");
    EXPECT_NE(answer.find("有効なアクセストークンが必要です"), std::string::npos) << answer;
}

TEST_F(BoundedListener, EnrollmentTakesNoMoreThanItNeeds) {
    RawTlsClient c(port);
    c.send("POST /v1/enroll HTTP/1.1\r\nHost: collector\r\nContent-Type: application/x-protobuf\r\n"
           "Content-Length: 200000\r\n\r\n");
    const std::string answer = c.readAll();
    EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
    expectStillServing();
}

TEST_F(BoundedListener, AnOverLongRequestLineIs414AndAnOverLongHeader431) {
    {
        RawTlsClient c(port);
        c.send("GET /v1/ca?" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: collector\r\n\r\n");
        const std::string answer = c.readAll();
        EXPECT_EQ(answer.rfind("HTTP/1.1 414", 0), 0u) << answer.substr(0, 200);
    }
    {
        RawTlsClient c(port);
        c.send("GET /v1/ca HTTP/1.1\r\nHost: collector\r\nX-Filler: " + std::string(20000, 'b') + "\r\n\r\n");
        const std::string answer = c.readAll();
        EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer.substr(0, 200);
    }
    expectStillServing();
}

TEST_F(BoundedListener, ACrowdFromOneAddressGets503WithRetryAfter) {
    std::vector<std::unique_ptr<RawTlsClient>> crowd;
    for (int i = 0; i < 4; ++i) crowd.push_back(std::make_unique<RawTlsClient>(port));  // the cap
    RawTlsClient over(port);
    const std::string answer = over.readAll();
    EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
    EXPECT_NE(answer.find("Retry-After: 5"), std::string::npos) << answer;
    EXPECT_TRUE(waitFor([&] { return collector.logText().find("refused with 503") != std::string::npos; }))
        << collector.logText();
    crowd.clear();  // the slots come back when the connections close
    EXPECT_TRUE(waitFor([&] { return servesAgain(); }));
}

TEST_F(BoundedListener, AnAgentTurnedAwayAsBusyComesBackNoSoonerThanAskedAndLosesNothing) {
    TestAgent agent(dir / "agent");
    agent.enroll(collector.agentUrl(), collector.token("市民課"), "term-busy");
    std::vector<std::unique_ptr<RawTlsClient>> crowd;
    for (int i = 0; i < 4; ++i) crowd.push_back(std::make_unique<RawTlsClient>(port));  // every slot taken
    agent.start();
    ASSERT_TRUE(waitFor([&] { return agent.logText().find("upload deferred") != std::string::npos; })) << agent.logText();
    const auto turned_away = std::chrono::steady_clock::now();
    EXPECT_NE(agent.logText().find("collector busy, sync retried after 5 s or more"), std::string::npos)
        << agent.logText();
    EXPECT_EQ(agent.logText().find("upload failed"), std::string::npos) << "busy is not a failure: " << agent.logText();
    // The status file is written just after that line: until it says busy, "none" below could
    // still be the one from before the first try.
    ASSERT_TRUE(waitFor([&] { return agent.status().find("collector busy") != std::string::npos; }))
        << agent.status();
    crowd.clear();  // room again at once; the agent still waits as it was told
    ASSERT_TRUE(waitFor([&] { return agent.status().find("last error:      none") != std::string::npos; },
                        std::chrono::seconds(30)))
        << agent.status() << agent.logText();
    EXPECT_GE(std::chrono::steady_clock::now() - turned_away, std::chrono::seconds(4))
        << "it came back before the Retry-After of 5 s";
    // Delayed, not lost: the agent's start is at the collector.
    EXPECT_TRUE(waitFor([&] {
        return collector.admin("/admin/v1/events?terminal=term-busy").at("rows").as_array().size() > 0;
    })) << agent.logText();
    EXPECT_EQ(agent.stop(SIGTERM), 0);
}

// A collector whose workers were all held for two seconds (here stopped; a disk can stall as long)
// turns away what queued meanwhile before its handshake (TlsBusyAlert), which the agent's client
// reads as a 503 asking it to come back in 30 s, instead of serving a backlog that only grows;
// what comes after is served at once, and administrators are never turned away.
TEST_F(BoundedListener, WhatQueuedWhileTheWorkersWereHeldIsShedAndWhatComesAfterIsServed) {
    expectStillServing();  // the queue probe has run
    const auto tls = mamori::common::HttpsClient::context(mamori::common::Files::read(dir / "collector" / "ca.pem"));
    collector.signal(SIGSTOP);
    EXPECT_TRUE(waitFor([&] { return allStopped(collector.pid()); }));
    mamori::common::HttpsClient::Response answer;
    std::string failed;
    std::thread queued([&] {
        try {
            // Accepted by the kernel; the handshake waits for the collector.
            answer = mamori::common::HttpsClient::fetch(*tls, collector.agentUrl(), boost::beast::http::verb::get,
                                                        "/v1/ca", "", "", {}, std::chrono::seconds(10));
        } catch (const std::exception& e) {
            failed = e.what();
        }
    });
    // Held for 2 s from when the connection is queued, not from when its thread was started: on a
    // busy machine the thread may take a while to connect.
    const bool queued_in_time = waitFor([&] { return queuedToAccept(port) > 0; });
    std::this_thread::sleep_for(std::chrono::seconds(2));
    collector.signal(SIGCONT);
    queued.join();
    ASSERT_TRUE(queued_in_time) << "the client never connected";
    EXPECT_EQ(failed, "");
    EXPECT_EQ(answer.status, 503u) << answer.body;
    EXPECT_EQ(answer.retry_after_s, 30u);
    EXPECT_NE(answer.body.find("混雑しています"), std::string::npos) << answer.body;
    EXPECT_TRUE(waitFor([&] { return collector.logText().find("turned away as busy (overloaded") != std::string::npos; }))
        << collector.logText();
    const auto resumed = std::chrono::steady_clock::now();
    EXPECT_TRUE(waitFor([&] { return servesAgain(); }));
    EXPECT_LT(std::chrono::steady_clock::now() - resumed, std::chrono::seconds(2)) << "shed for longer than the stall";
    EXPECT_NO_THROW(collector.admin("/admin/v1/terminals"));

    // Counted apart from the connection caps.
    const std::string text = collector.metrics();
    auto count = [&](const std::string& labels) {
        return metricSample(text, "mamori_connections_refused_total{" + labels + "}");
    };
    // The one queued, and any that came in the moments before the probe saw the queue gone.
    EXPECT_GE(count("listener=\"agent\",reason=\"overloaded\""), 1) << text;
    EXPECT_EQ(count("listener=\"agent\",reason=\"capacity\""), 0) << text;
    EXPECT_EQ(count("listener=\"admin\",reason=\"overloaded\""), 0) << text;
}

// Past what the workers answer quickly, fewer connections are let be under way at once
// (AdmissionLimit, timed on the agents' connections), each then answered sooner, and the rest are
// turned away before their handshake as busy; nothing is failed, and once the crowd is gone
// nothing holds a place.
TEST(CrowdedListener, ACrowdIsAnsweredOrTurnedAwayAsBusyNeverFailedAndTheLimitFalls) {
    const auto dir = tempDir("crowded-listener");
    TestCollector collector(dir / "collector", "max_connections_per_address = 1024\n");
    collector.start();
    // Agents' identities: only agents' connections are timed, one of each terminal at a time.
    const std::string ca = mamori::common::Files::read(dir / "collector" / "ca.pem");
    constexpr int kTerminals = 12, kEach = 4;
    std::vector<std::shared_ptr<boost::asio::ssl::context>> identities;
    for (int i = 0; i < kTerminals; ++i) {
        SimulatedTerminal terminal(collector.agentUrl(), ca);
        ASSERT_EQ(terminal.enroll(collector.token(), "term-crowd-" + std::to_string(i)).status, 200u);
        identities.push_back(
            mamori::common::HttpsClient::context(ca, terminal.certificatePem(), terminal.key().privatePem()));
    }
    auto fetch = [&](int who = 0) {
        return mamori::common::HttpsClient::fetch(*identities.at(static_cast<size_t>(who)), collector.agentUrl(),
                                                  boost::beast::http::verb::get, "/v1/ca", "", "", {},
                                                  std::chrono::seconds(20));
    };
    auto limit = [&] { return metricSample(collector.metrics(), "mamori_admission_limit{listener=\"agent\"}"); };
    EXPECT_EQ(fetch().status, 200u);  // a first measurement with little load

    std::atomic<bool> stop{false};
    std::atomic<int> answered{0}, busy{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    std::vector<std::thread> crowd;
    for (int i = 0; i < kTerminals * kEach; ++i)
        crowd.emplace_back([&, who = i % kTerminals] {
            while (!stop) {
                std::string failure;
                try {
                    const auto a = fetch(who);
                    if (a.status == 200) ++answered;
                    else if (a.status == 503 && a.retry_after_s == 30) ++busy;
                    else failure = std::to_string(a.status) + " " + a.body;
                } catch (const std::exception& e) {
                    failure = e.what();
                }
                if (!failure.empty()) {
                    std::lock_guard lock(failures_mutex);
                    failures.push_back(failure);
                }
            }
        });
    double lowest = 1 << 30;
    for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(8);
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(std::chrono::milliseconds(100)))
        if (const double l = limit(); l > 0) lowest = std::min(lowest, l);
    stop = true;
    for (auto& t : crowd) t.join();
    EXPECT_TRUE(failures.empty()) << failures.size() << " failed, the first: " << failures.front();
    EXPECT_GT(answered.load(), 0);
    EXPECT_GT(busy.load(), 0) << kTerminals * kEach << " at once on this machine is past what it answers quickly";
    EXPECT_LT(lowest, 64) << "the limit never fell from where it starts";
    // No place is left taken: once the crowd's last connections have closed on the collector's
    // side too (each client has its answer before the collector has finished with its connection),
    // the next connection is served.
    EXPECT_TRUE(waitFor([&] { return metricSample(collector.metrics(), "mamori_connections{listener=\"agent\"}") == 0; }))
        << collector.metrics();
    // Served again within seconds: on a machine still busy with other work the collector may shed
    // a moment longer, but a place held for good would turn every later connection away.
    unsigned last = 0;
    EXPECT_TRUE(waitFor([&] { return (last = fetch().status) == 200u; }, std::chrono::seconds(10)))
        << "the next connection is still answered " << last << "\n" << collector.metrics();
}

TEST(ShedSetting, AnythingButYesOrNoStopsTheStartInBothLanguages) {
    TestCollector collector(tempDir("shed-setting") / "collector", "shed_when_overloaded = maybe\n");
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamori-collector"), "run", "--dir", collector.dir().string()}, &out), 1) << out;
    EXPECT_NE(out.find("collector.conf:"), std::string::npos) << out;  // the file and line to mend
    EXPECT_NE(out.find("'shed_when_overloaded' must be one of yes, no, found 'maybe'"), std::string::npos) << out;
    EXPECT_NE(out.find("'shed_when_overloaded' には yes, no のいずれかを指定してください"), std::string::npos) << out;
}

TEST_F(BoundedListener, SighupChecksTheConfigurationAndNeverStops) {
    collector.signal(SIGHUP);
    EXPECT_TRUE(waitFor([&] { return collector.logText().find("it takes effect at the next restart") != std::string::npos; }))
        << collector.logText();
    std::ofstream(collector.dir() / "collector.conf", std::ios::app) << "no_such_setting = 1\n";
    collector.signal(SIGHUP);
    EXPECT_TRUE(waitFor([&] { return collector.logText().find("a restart would fail") != std::string::npos; }))
        << collector.logText();
    expectStillServing();
}

}  // namespace
