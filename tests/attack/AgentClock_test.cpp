// A real mamori-agent whose clock lies (libfaketime), against a real collector: the collector's
// clock decides. A terminal a day behind or ahead is a clock violation today, with its skew, and
// what it reports today is filed today, not on the day its clock claims.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mamori/common/Files.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

class AgentClock : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
#ifdef MAMORI_SANITIZED
        // `mamori-collector init` preloaded with libfaketime under AddressSanitizer never returns
        // (both intercept the clock at start-up); the normal build runs this case.
        GTEST_SKIP() << "libfaketime and AddressSanitizer do not start together; run in the normal build";
#endif
        if (!std::filesystem::exists(kLibFaketime))
            GTEST_FAIL() << "libfaketime is missing: scripts/install-deps.sh installs the faketime package";
        dir = tempDir("agent-clock");
        // Certificates issued two days ago, so that a terminal a day behind can still connect and
        // be judged: the question here is the evidence, not the handshake.
        collector = std::make_unique<TestCollector>(dir / "collector", "", "", std::filesystem::path{},
                                                    fakeClock("-2d"));
        collector->start();
    }
    void TearDown() override {
        if (collector) collector->stop();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    std::filesystem::path dir;
    std::unique_ptr<TestCollector> collector;
};

}  // namespace

TEST_P(AgentClock, WrongClockIsAViolationTodayAndItsEventsAreFiledToday) {
    const std::string offset = GetParam();
    TestAgent agent(dir / "agent", "", fakeClock(offset));
    agent.enroll(collector->agentUrl(), collector->token("市民課"), "pc-clock");
    agent.start();
    ASSERT_TRUE(waitFor([&] { return !collector->seqs("pc-clock").empty(); }, std::chrono::seconds(20)))
        << agent.status() << agent.logText();
    EXPECT_EQ(agent.stop(SIGTERM), 0) << agent.logText();

    const std::string today(collector->admin("/admin/v1/violations?date=today").at("date").as_string());
    auto clock = collector->admin("/admin/v1/violations?date=today&control=clock");
    ASSERT_EQ(clock.at("rows").as_array().size(), 1u) << clock;
    const double skew = static_cast<double>(clock.at("rows").at(0).at("clock_skew_ms").to_number<int64_t>());
    EXPECT_NEAR(skew, offset[0] == '-' ? -86'400'000.0 : 86'400'000.0, 60'000.0);

    auto events = collector->admin("/admin/v1/events?terminal=pc-clock");
    ASSERT_FALSE(events.at("rows").as_array().empty());
    for (const auto& e : events.at("rows").as_array()) {
        EXPECT_EQ(e.at("local_date").as_string(), today) << e;
        EXPECT_EQ(e.at("filed_by").as_string(), "arrival") << e;
    }
    // The administrator's daily question names the terminal, with its skew.
    const std::string report = collector->ctl({"violations", "--today"});
    EXPECT_NE(report.find("pc-clock"), std::string::npos) << report;
    EXPECT_NE(report.find("clock"), std::string::npos) << report;
}

INSTANTIATE_TEST_SUITE_P(Offsets, AgentClock, ::testing::Values("-1d", "+1d"),
                         [](const auto& info) { return std::string(info.param[0] == '-' ? "DayBehind" : "DayAhead"); });
