// Several collectors, one PostgreSQL store: agents split between two collector processes, one
// collector killed with SIGKILL mid-run, its agents failing over to the other along their
// configured list. The store must end with every terminal's chain complete, each event once.
#include <gtest/gtest.h>

#include "tests/support/TestCollector.h"
#include "tests/support/PostgresServer.h"

using namespace mamori::test;

namespace {

uint64_t lastSeq(TestAgent& agent) {
    auto s = agent.status();
    auto at = s.find("last seq ");
    return at == std::string::npos ? 0 : std::stoull(s.substr(at + 9));
}

bool drained(TestAgent& agent) {
    auto s = agent.status();
    return s.find(" 0 events") != std::string::npos && s.find("acknowledged up to 0") == std::string::npos;
}

TEST(CollectorCluster, TwoCollectorsShareOnePostgresAndAgentsFailOverWithNoLossOrDuplicate) {
    auto* server = PostgresServer::shared();
    if (!server) GTEST_SKIP() << PostgresServer::kSkipMessage;
    const auto dir = tempDir("cluster");
    const std::string store = server->createDatabase();
    TestCollector first(dir / "c1", "", store);
    TestCollector second(dir / "c2", "", "", dir / "c1");  // the store comes from c1's configuration
    EXPECT_EQ(mamori::common::Files::read(first.dir() / "ca.pem"), mamori::common::Files::read(second.dir() / "ca.pem"));
    EXPECT_NE(mamori::common::Files::read(first.dir() / "server.key"),
              mamori::common::Files::read(second.dir() / "server.key"));  // each machine's own TLS key
    first.start();
    second.start();

    // Half the agents prefer the first collector, half the second; each lists both.
    std::vector<std::unique_ptr<TestAgent>> agents;
    for (int i = 0; i < 4; ++i) {
        const TestCollector& home = i % 2 ? second : first;
        const TestCollector& other = i % 2 ? first : second;
        auto a = std::make_unique<TestAgent>(dir / ("agent" + std::to_string(i)),
                                            "collector = " + home.agentUrl() + ", " + other.agentUrl() + "\n");
        a->enroll(home.agentUrl(), home.token("市民課"), "term-" + std::to_string(i));
        agents.push_back(std::move(a));
    }
    // Each start and stop is three events (started, policy, stopping); the first collector dies
    // in the middle of the run.
    for (int round = 0; round < 6; ++round) {
        for (auto& a : agents) a->start();
        if (round == 2) first.stop(SIGKILL);
        for (auto& a : agents) EXPECT_EQ(a->stop(SIGTERM), 0);
    }
    for (auto& a : agents) {
        a->start();
        EXPECT_TRUE(waitFor([&] { return drained(*a); }, std::chrono::seconds(60))) << a->status() << a->logText();
        a->stop(SIGTERM);
    }
    for (size_t i = 0; i < agents.size(); ++i) {
        auto ids = second.admin("/admin/v1/terminals");
        std::string id;
        for (const auto& t : ids.at("rows").as_array())
            if (t.at("hostname").as_string() == "term-" + std::to_string(i)) id = t.at("id").as_string().c_str();
        ASSERT_FALSE(id.empty()) << "term-" << i << " is not known to the second collector";
        auto seqs = second.seqs(id);
        ASSERT_EQ(seqs.size(), lastSeq(*agents[i])) << id;
        for (size_t k = 0; k < seqs.size(); ++k) ASSERT_EQ(seqs[k], k + 1) << id << " at index " << k;
    }
    auto evidence = second.admin("/admin/v1/violations?date=today&control=evidence");
    EXPECT_EQ(evidence.at("rows").as_array().size(), 0u) << second.logText();
    second.stop();
    std::filesystem::remove_all(dir);
}

TEST(CollectorCluster, OnlyAPostgresStoreCanBeShared) {
    const auto dir = tempDir("cluster-sqlite");
    TestCollector first(dir / "c1");
    std::string out;
    int rc = Subprocess::run({bin("mamori-collector"), "init", "--dir", (dir / "c2").string(), "--join",
                              (dir / "c1").string()},
                             &out);
    EXPECT_NE(rc, 0);
    EXPECT_NE(out.find("only in PostgreSQL"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(dir / "c2" / "collector.conf"));
    std::filesystem::remove_all(dir);
}

}  // namespace
