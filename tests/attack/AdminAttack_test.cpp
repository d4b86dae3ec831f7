// Attacks on the admin API by a caller holding a valid token: SQL injection text in every query
// parameter, and path traversal in the URL. The answer is 400 or a valid (possibly empty) answer,
// never 500, and the database is intact. Each test ends by proving that an honest terminal
// still delivers exactly once, that memory stayed bounded and that the process is up.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "AttackedCollector.h"

using namespace mamori::test;

namespace {

class AdminAttack : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        target = std::make_unique<AttackedCollector>("admin", "");
        target->start();
    }
    static void TearDownTestSuite() { target.reset(); }
    void SetUp() override {
        if (!target->collector().running()) GTEST_SKIP() << "the collector died in an earlier test";
    }

    static inline std::unique_ptr<AttackedCollector> target;
};

std::string encoded(const std::string& s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

TEST_F(AdminAttack, SqlInjectionInEveryQueryParameterIsHarmless) {
    const std::string honest = target->honest().id();
    // Every GET of the admin API with the parameters it reads, each set to a valid value.
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>> endpoints = {
        {"/admin/v1/violations", {{"date", "today"}, {"section", "市民課"}, {"control", "usb"}}},
        {"/admin/v1/events", {{"terminal", honest}, {"since_unix", "0"}, {"after_seq", "0"}, {"limit", "100"}}},
        {"/admin/v1/export", {{"terminal", honest}, {"from", "2026-01-01"}, {"to", "2026-12-31"}}},
        {"/admin/v1/report/monthly", {{"month", "2026-12"}, {"section", "市民課"}}},
        {"/admin/v1/exceptions", {{"expiring_days", "30"}}},
        {"/admin/v1/access-log", {{"since_unix", "0"}, {"limit", "100"}}},
        {"/admin/v1/access-log", {{"since", "2026-01-01"}}},
        {"/admin/v1/terminals", {{"section", "市民課"}}},
        {"/admin/v1/policy-status", {{"section", "市民課"}}},
    };
    const std::vector<std::string> payloads = {
        "' OR '1'='1",
        "1; DROP TABLE events; --",
        "x' UNION SELECT sql, sql, sql FROM sqlite_master --",
        "'); DELETE FROM terminals; --",
        "1 OR 1=1",
        "99999999999999999999999",
        "-1",
        std::string("a\0b", 3),
        "%' --",
    };
    const size_t terminals_before = target->collector().admin("/admin/v1/terminals").at("rows").as_array().size();
    int answered = 0;
    for (const auto& [path, params] : endpoints) {
        for (const auto& param : params) {
            const std::string& victim = param.first;
            for (const auto& payload : payloads) {
                std::string query;
                for (const auto& [key, value] : params)
                    query += (query.empty() ? "?" : "&") + key + "=" + encoded(key == victim ? payload : value);
                const auto res = target->collector().adminAnswer(path + query);
                const std::string where = path + " " + victim + "=" + payload;
                EXPECT_TRUE(res.status == 200 || res.status == 400 || res.status == 404)
                    << where << ": HTTP " << res.status << " " << res.body;
                boost::system::error_code ec;
                boost::json::parse(res.body, ec);
                EXPECT_FALSE(ec) << where << ": not JSON: " << res.body.substr(0, 200);
                ++answered;
            }
        }
    }
    EXPECT_EQ(answered, 18 * 9);
    // Nothing went wrong inside the collector, and nothing was changed.
    std::istringstream log(target->collector().logText());
    for (std::string line; std::getline(log, line);)
        EXPECT_FALSE(line.find("admin endpoint: ") != std::string::npos && line.find(" failed: ") != std::string::npos)
            << line;
    EXPECT_EQ(target->collector().admin("/admin/v1/terminals").at("rows").as_array().size(), terminals_before);
    target->expectStoredExactlyOnce(target->honest(), target->honestSent());
    target->expectSurvived();
}

TEST_F(AdminAttack, PathTraversalReachesNoFile) {
    const std::string auth = "-H 'Authorization: Bearer " + target->adminToken() + "' ";
    const std::vector<std::string> paths = {
        "/admin/v1/../../../../etc/passwd",
        "/admin/v1/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/admin/v1/..%2f..%2f..%2fetc%2fpasswd",
        "/admin/v1/events/../../../store.db",
        "/admin/v1/%2e%2e%2fstore.db",
        "/../../../../etc/passwd",
        "/admin/v1/terminals/..;/..;/store.db",
        "/admin/v1/export?terminal=../../../../etc/passwd&from=2026-01-01&to=2026-12-31",
        "/admin/v1/events?terminal=..%2f..%2fstore.db",
    };
    for (const auto& path : paths) {
        std::string out;
        // --path-as-is: curl would otherwise resolve the dots itself and never send them.
        AttackedCollector::shell("curl -s --path-as-is --max-time 10 --cacert " + target->caFile() + " " + auth +
                                     "-w '\\n%{http_code}' 'https://127.0.0.1:" +
                                     std::to_string(target->collector().adminPort()) + path + "'",
                                 &out);
        const std::string status = out.substr(out.rfind('\n') + 1);
        EXPECT_TRUE(status == "400" || status == "404") << path << ": " << out;
        EXPECT_EQ(out.find("root:"), std::string::npos) << path;
        EXPECT_EQ(out.find("SQLite format"), std::string::npos) << path;
    }
    // The agent listener serves no admin path and no file, however it is spelled.
    for (const std::string path : {"/v1/../admin/v1/terminals", "/v1/%2e%2e/%2e%2e/etc/passwd", "/v1/ca/../../store.db"}) {
        std::string out;
        AttackedCollector::shell("curl -s --path-as-is --max-time 10 --cacert " + target->caFile() + " " + auth +
                                     "-w '\\n%{http_code}' 'https://127.0.0.1:" +
                                     std::to_string(target->collector().agentPort()) + path + "'",
                                 &out);
        const std::string status = out.substr(out.rfind('\n') + 1);
        // 405: the agent listener takes only POST on its own paths.
        EXPECT_TRUE(status == "400" || status == "401" || status == "404" || status == "405") << path << ": " << out;
        EXPECT_EQ(out.find("root:"), std::string::npos) << path;
        EXPECT_EQ(out.find("honest-pc"), std::string::npos) << path;
    }
    target->expectSurvived();
}

}  // namespace
