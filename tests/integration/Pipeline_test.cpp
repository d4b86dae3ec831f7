// The evidence pipeline end to end with the real binaries: enrollment, upload, and the faults a
// deployment meets — a collector down for hours, agents and collectors killed with SIGKILL, a
// journal that fills up. The collector must end with every event exactly once, or a recorded gap.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>
#include <thread>

#include "tests/support/SimulatedTerminal.h"
#include "CollectorOnEachStore.h"
#include "mamori/common/SqliteDb.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;
using mamori::common::Files;

namespace {

class Pipeline : public CollectorOnEachStore {
protected:
    Pipeline() : CollectorOnEachStore("pipeline") {}

    std::unique_ptr<TestAgent> enrolledAgent(const std::string& name, const std::string& conf = "") {
        auto agent = std::make_unique<TestAgent>(dir / name, conf);
        agent->enroll(collector->agentUrl(), collector->token("市民課"), name);
        return agent;
    }

    // Runs the agent until the collector has acknowledged everything in its journal.
    void drain(TestAgent& agent) {
        agent.start();
        bool ok = waitFor([&] {
            auto s = agent.status();
            return s.find(" 0 events") != std::string::npos && s.find("last error:      none") != std::string::npos &&
                   s.find("acknowledged up to 0") == std::string::npos;
        });
        EXPECT_TRUE(ok) << agent.status() << agent.logText();
        EXPECT_EQ(agent.stop(SIGTERM), 0);
    }

    // The last seq the agent journaled, from `mamori-agent status`.
    static uint64_t lastSeq(TestAgent& agent) {
        auto s = agent.status();
        auto at = s.find("last seq ");
        return at == std::string::npos ? 0 : std::stoull(s.substr(at + 9));
    }

    static void expectGapFree(const std::vector<uint64_t>& seqs) {
        for (size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i + 1) << "at index " << i;
    }

    size_t evidenceViolations() {
        auto v = collector->admin("/admin/v1/violations?date=today&control=evidence");
        return v.at("rows").as_array().size();
    }

};

}  // namespace

TEST_P(Pipeline, EnrolledAgentReportsItsLifecycle) {
    auto agent = enrolledAgent("term-a");
    struct stat st {};
    ASSERT_EQ(stat((agent->state() / "terminal.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    drain(*agent);
    auto types = collector->types("term-a");  // the controls may add their own findings in between
    ASSERT_GE(types.size(), 3u);
    EXPECT_EQ(types.front(), "AGENT_STARTED");
    EXPECT_NE(std::find(types.begin(), types.end(), "POLICY_APPLIED"), types.end());
    // The stop is the agent's last word about itself. A control may still record what it saw
    // while the agent was stopping (a program another test ran meanwhile), after it.
    const auto stopping = std::find(types.begin(), types.end(), "AGENT_STOPPING");
    ASSERT_NE(stopping, types.end());
    for (auto it = stopping + 1; it != types.end(); ++it) EXPECT_NE(it->rfind("AGENT_", 0), 0u) << *it;
    EXPECT_EQ(types.size(), lastSeq(*agent));
    EXPECT_NE(agent->status().find("enrolled:        yes, as term-a"), std::string::npos);
    auto out = collector->ctl({"terminals"});
    EXPECT_NE(out.find("term-a"), std::string::npos);
    EXPECT_NE(out.find("市民課"), std::string::npos);
}

TEST_P(Pipeline, SighupNeverStopsTheAgent) {
    auto agent = enrolledAgent("term-a");
    agent->start();
    agent->signal(SIGHUP);
    EXPECT_TRUE(waitFor([&] { return agent->logText().find("SIGHUP: agent.conf is read at start") != std::string::npos; }))
        << agent->logText();
    EXPECT_TRUE(agent->running());
    EXPECT_EQ(agent->stop(SIGTERM), 0);
}

TEST_P(Pipeline, CollectorDownForTheWholeRunThenUp) {
    auto agent = enrolledAgent("term-a");
    collector->stop(SIGKILL);
    for (int i = 0; i < 4; ++i) {  // four working sessions with no collector
        agent->start();
        ASSERT_TRUE(waitFor([&] { return agent->status().find("last error:      none") == std::string::npos; }));
        EXPECT_EQ(agent->stop(SIGTERM), 0);
    }
    uint64_t journaled = lastSeq(*agent);
    EXPECT_GE(journaled, 12u);
    EXPECT_NE(agent->status().find(" " + std::to_string(journaled) + " events"), std::string::npos) << agent->status();
    collector->start();
    drain(*agent);
    auto seqs = collector->seqs("term-a");
    EXPECT_EQ(seqs.size(), lastSeq(*agent));
    EXPECT_GE(seqs.size(), journaled + 3);
    expectGapFree(seqs);
    EXPECT_EQ(evidenceViolations(), 0u);
}

// Someone with root on the terminal rewrites one journaled event before it is sent. The collector
// stores every other event, records the altered one as tampering, and the agent keeps its copy
// aside instead of resending it forever or silently dropping it.
TEST_P(Pipeline, AlteredJournalEventIsSetAsideAndEverythingElseDelivered) {
    auto agent = enrolledAgent("term-a");
    collector->stop(SIGKILL);
    for (int i = 0; i < 2; ++i) {
        agent->start();
        ASSERT_TRUE(waitFor([&] { return agent->status().find("last error:      none") == std::string::npos; }));
        EXPECT_EQ(agent->stop(SIGTERM), 0);
    }
    const uint64_t journaled = lastSeq(*agent);
    ASSERT_GE(journaled, 4u);
    {
        mamori::common::SqliteDb journal((agent->state() / "journal.db").string(),
                                         mamori::common::SqliteDb::Access::ReadWrite);
        std::string body;
        {
            auto st = journal.prepare("SELECT body FROM events WHERE seq = 2");
            ASSERT_TRUE(st.step());
            body = st.columnBlob(0);
        }
        mamori::v1::EventBody altered;
        ASSERT_TRUE(altered.ParseFromString(body));
        altered.set_violation(!altered.violation());
        journal.prepare("UPDATE events SET body = ?1 WHERE seq = 2").bindBlob(1, altered.SerializeAsString()).run();
    }
    collector->start();
    drain(*agent);
    auto seqs = collector->seqs("term-a");
    ASSERT_FALSE(seqs.empty());
    EXPECT_EQ(std::count(seqs.begin(), seqs.end(), 2u), 0);
    EXPECT_EQ(seqs.size(), lastSeq(*agent) - 1);
    EXPECT_TRUE(std::filesystem::exists(agent->state() / "refused-events" / "seq-2-2.pb")) << agent->logText();
    EXPECT_NE(agent->logText().find("the collector refused seq 2-2"), std::string::npos);
    EXPECT_NE(collector->logText().find("tampered seq 2: 1 event(s) failed authentication"), std::string::npos);
    auto v = collector->admin("/admin/v1/violations?date=today&control=evidence");
    ASSERT_EQ(v.at("rows").as_array().size(), 1u);
    EXPECT_EQ(v.at("rows").at(0).at("status").as_string(), "tampering suspected");
    // Resolved by the administrator, with a note that the access log keeps.
    auto out = collector->ctl({"terminal", "resolve-tampering", "term-a", "--note", "test: the journal was edited"});
    EXPECT_NE(out.find("is resolved"), std::string::npos) << out;
    v = collector->admin("/admin/v1/violations?date=today&control=evidence");
    ASSERT_EQ(v.at("rows").as_array().size(), 1u);  // today's evidence violation itself stays
    EXPECT_EQ(v.at("rows").at(0).at("status").as_string(), "violation");
    EXPECT_NE(collector->ctl({"access-log"}).find("resolved tampering"), std::string::npos);
}

TEST_P(Pipeline, AgentKilledInALoopLeavesAGapFreeChain) {
    auto agent = enrolledAgent("term-a");
    std::mt19937 rng(42);
    for (int i = 0; i < 12; ++i) {
        agent->start();
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution(20, 400)(rng)));
        agent->stop(SIGKILL);
    }
    drain(*agent);
    auto seqs = collector->seqs("term-a");
    ASSERT_GE(seqs.size(), 3u);
    expectGapFree(seqs);
    EXPECT_EQ(evidenceViolations(), 0u) << collector->logText();
}

TEST_P(Pipeline, CollectorKilledDuringIngestLosesAndDoublesNothing) {
    SimulatedTerminal t(collector->agentUrl(), Files::read(collector->dir() / "ca.pem"));
    ASSERT_EQ(t.enroll(collector->token(), "term-s").status, 200u);
    // Everything the terminal made, re-sent from the last acknowledgement after each failure.
    std::vector<mamori::v1::EventBatch> batches;
    for (int i = 0; i < 40; ++i) batches.push_back(t.batch(250));
    std::thread killer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        collector->stop(SIGKILL);
    });
    size_t next = 0;
    int failures = 0;
    for (; next < batches.size(); ++next) {
        try {
            if (t.send(batches[next]).status != 200) break;
        } catch (const std::exception&) {
            ++failures;
            break;
        }
    }
    killer.join();
    collector->start();
    // Resend from the batch that may or may not have been committed before the kill, as an agent
    // does: the same batch again until it is acknowledged. Right after the restart the store may
    // still be waiting for the killed collector's transaction to be rolled back.
    auto deliver = [&](const mamori::v1::EventBatch& b) {
        for (int attempt = 0; attempt < 6; ++attempt) {
            try {
                if (t.send(b).status == 200) return true;
            } catch (const std::exception&) {
            }
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        return false;
    };
    size_t from = next > 0 ? next - 1 : 0;
    for (size_t i = from; i < batches.size(); ++i) ASSERT_TRUE(deliver(batches[i])) << "batch " << i;
    auto seqs = collector->seqs("term-s");
    EXPECT_EQ(seqs.size(), 10000u);
    expectGapFree(seqs);
    EXPECT_EQ(evidenceViolations(), 0u) << collector->logText();
    RecordProperty("batches_before_kill", static_cast<int>(next));
}

TEST_P(Pipeline, FullJournalRecordsAndReportsTheGap) {
    auto agent = enrolledAgent("term-a", "journal_max_bytes = 4096\n");
    collector->stop(SIGKILL);
    for (int i = 0; i < 12; ++i) {
        agent->start();
        ASSERT_TRUE(waitFor([&] { return agent->status().find("last error:      none") == std::string::npos; }));
        EXPECT_EQ(agent->stop(SIGTERM), 0);
    }
    collector->start();
    drain(*agent);
    auto types = collector->types("term-a");
    EXPECT_NE(std::find(types.begin(), types.end(), "JOURNAL_GAP"), types.end());
    auto out = collector->ctl({"violations", "--today", "--control", "evidence"});
    EXPECT_NE(out.find("term-a"), std::string::npos) << out;
    EXPECT_NE(out.find("evidence"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Stores, Pipeline, CollectorOnEachStore::stores(), CollectorOnEachStore::name);
