// The console's defences, spoken to as a browser would (curl, with a cookie jar) against a real
// collector on loopback: passwords and lockout, cookies and headers, CSRF, sections by URL, idle
// logout, the certificate a browser gets. tests/browser drives the same pages in Chromium.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "mamori/common/Files.h"
#include "tests/support/SimulatedTerminal.h"
#include "tests/support/Subprocess.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

std::string sh(const std::string& command) {
    std::string out;
    Subprocess::run({"/bin/sh", "-c", command}, &out);
    return out;
}

// One browser: a cookie jar, and the console's pages through curl (the collector's certificate
// is verified against its CA, as mamorictl verifies it).
class Browser {
public:
    Browser(const TestCollector& c, const std::string& name)
        : base_("https://127.0.0.1:" + std::to_string(c.adminPort())),
          ca_((c.dir() / "ca.pem").string()),
          jar_((c.dir() / ("jar-" + name)).string()) {
        std::filesystem::remove(jar_);
    }

    // "STATUS\nHEADERS...\n\nBODY" of one request; fields as -d name=value pairs, encoded by curl.
    std::string request(const std::string& path, const std::vector<std::pair<std::string, std::string>>& form = {},
                        const std::string& extra = "") const {
        std::string cmd = "curl -s -i --max-time 20 --cacert " + ca_ + " -c " + jar_ + " -b " + jar_ + " " + extra;
        for (const auto& [k, v] : form) cmd += " --data-urlencode '" + k + "=" + v + "'";
        return sh(cmd + " '" + base_ + path + "'");
    }
    static int status(const std::string& answer) {
        std::smatch m;
        return std::regex_search(answer, m, std::regex("^HTTP/1.1 ([0-9]{3})")) ? std::stoi(m[1]) : 0;
    }
    // The value of the hidden csrf field of the page at `path`.
    std::string csrf(const std::string& path) const {
        std::smatch m;
        const std::string page = request(path);
        return std::regex_search(page, m, std::regex("name=\"csrf\" value=\"([^\"]+)\"")) ? m[1].str() : "";
    }
    std::string signIn(const std::string& user, const std::string& password) const {
        return request("/console/login", {{"csrf", csrf("/console/login")}, {"user", user}, {"password", password}});
    }

private:
    std::string base_, ca_, jar_;
};

void setPassword(const std::string& conf, const std::string& password) {
    const std::string out = sh("printf '%s\\n' '" + password + "' | " + bin("mamorictl") + " --config " + conf +
                               " user password 2>&1");
    ASSERT_NE(out.find("set"), std::string::npos) << out;
}

// A date `days` from today, YYYY-MM-DD.
std::string inDays(int days) {
    const auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) + std::chrono::days(days);
    const std::chrono::year_month_day ymd{day};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return text;
}

}  // namespace

TEST(ConsoleTest, APasswordSignsInAndFiveWrongOnesLockTheAccountForAllToSee) {
    TestCollector c(tempDir("console-lock") / "collector");
    c.start();
    const std::string conf = (c.dir() / "mamorictl.conf").string();
    setPassword(conf, "a long enough secret");
    // Too short a password is refused with the reason.
    const std::string short_one = sh("printf 'short\\n' | " + bin("mamorictl") + " --config " + conf + " user password 2>&1");
    EXPECT_NE(short_one.find("at least 10 characters"), std::string::npos) << short_one;

    Browser b(c, "lock");
    const std::string ok = b.signIn("admin", "a long enough secret");
    EXPECT_EQ(Browser::status(ok), 303) << ok;
    EXPECT_NE(ok.find("Location: /console/today"), std::string::npos);
    // The session cookie is out of every script's and every other site's reach.
    EXPECT_TRUE(std::regex_search(ok, std::regex("Set-Cookie: mamori_session=[^;]+; Path=/console; HttpOnly; Secure; "
                                                 "SameSite=Strict")))
        << ok;
    EXPECT_EQ(Browser::status(b.request("/console/today")), 200);

    Browser guesser(c, "guesser");
    for (int i = 0; i < 5; ++i) EXPECT_EQ(Browser::status(guesser.signIn("admin", "wrong guess " + std::to_string(i))), 401);
    const std::string locked = guesser.signIn("admin", "a long enough secret");
    EXPECT_EQ(Browser::status(locked), 401);
    EXPECT_NE(locked.find("ロック"), std::string::npos) << locked;
    // An unknown name is told the same as a wrong password.
    EXPECT_NE(guesser.signIn("nobody", "whatever it is").find("利用者名またはパスワードが違います"), std::string::npos);
    const std::string log = c.ctl({"access-log"});
    EXPECT_NE(log.find("console account locked after 5 failed sign-ins"), std::string::npos) << log;
    EXPECT_NE(log.find("console login failed"), std::string::npos) << log;
    EXPECT_NE(c.ctl({"user", "list"}).find("locked until"), std::string::npos);
    // A new password lifts the lock, and ends the sessions the account had.
    setPassword(conf, "another long secret");
    EXPECT_EQ(Browser::status(b.request("/console/today")), 303);
    EXPECT_EQ(Browser::status(guesser.signIn("admin", "another long secret")), 303);
}

TEST(ConsoleTest, EveryAnswerForbidsInlineScriptFramingAndSniffing) {
    TestCollector c(tempDir("console-headers") / "collector");
    c.start();
    Browser b(c, "headers");
    for (const std::string path : {"/console/login", "/console/today", "/console/assets/console.js", "/console/nowhere"}) {
        const std::string answer = b.request(path);
        EXPECT_NE(answer.find("Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self';"),
                  std::string::npos)
            << path << "\n" << answer;
        EXPECT_NE(answer.find("X-Frame-Options: DENY"), std::string::npos) << path;
        EXPECT_NE(answer.find("X-Content-Type-Options: nosniff"), std::string::npos) << path;
    }
    // Signed out, a page sends the browser to sign in and back.
    const std::string out = b.request("/console/terminal?id=x");
    EXPECT_EQ(Browser::status(out), 303);
    EXPECT_NE(out.find("Location: /console/login?next=%2Fconsole%2Fterminal%3Fid%3Dx"), std::string::npos) << out;
    // Nor is a sign-in page made to send anyone elsewhere.
    EXPECT_NE(b.request("/console/login?next=https://evil.example/").find("value=\"/console/today\""), std::string::npos);
}

TEST(ConsoleTest, AFormWithoutItsTokenOrSessionChangesNothing) {
    TestCollector c(tempDir("console-csrf") / "collector");
    c.start();
    setPassword((c.dir() / "mamorictl.conf").string(), "a long enough secret");
    c.token("市民課");
    Browser b(c, "csrf");
    ASSERT_EQ(Browser::status(b.signIn("admin", "a long enough secret")), 303);
    const std::vector<std::pair<std::string, std::string>> request{
        {"scope", "group"}, {"target", "市民課"}, {"control", "hours"}, {"reason", "窓口延長"}, {"until", inDays(30)}};
    EXPECT_EQ(Browser::status(b.request("/console/exceptions/request", request)), 403);
    auto wrong = request;
    wrong.push_back({"csrf", "not-the-token-of-this-session-000"});
    EXPECT_EQ(Browser::status(b.request("/console/exceptions/request", wrong)), 403);
    EXPECT_EQ(c.ctl({"exception", "list"}).find("窓口延長"), std::string::npos);
    auto right = request;
    right.push_back({"csrf", b.csrf("/console/exceptions")});
    const std::string made = b.request("/console/exceptions/request", right);
    EXPECT_EQ(Browser::status(made), 303) << made;
    EXPECT_NE(c.ctl({"exception", "list"}).find("窓口延長"), std::string::npos);
    // A stranger's form is refused on its header (no session; too large): its 20 MB body is never read.
    Browser stranger(c, "stranger");
    const std::string big = sh("head -c 20000000 /dev/zero | tr '\\0' a | curl -s -o /dev/null -w '%{http_code}' "
                               "--max-time 20 --cacert " + (c.dir() / "ca.pem").string() +
                               " -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "
                               "'https://127.0.0.1:" + std::to_string(c.adminPort()) + "/console/exceptions/request'");
    EXPECT_TRUE(big == "403" || big == "413") << big;
}

TEST(ConsoleTest, AnotherSectionsTerminalIsRefusedWhateverTheUrlAndTheRefusalIsRecorded) {
    TestCollector c(tempDir("console-scope") / "collector");
    c.start();
    SimulatedTerminal t("https://127.0.0.1:" + std::to_string(c.agentPort()),
                        mamori::common::Files::read(c.dir() / "ca.pem"));
    ASSERT_EQ(t.enroll(c.token("市民課"), "shimin-pc").status, 200u);
    ASSERT_EQ(t.send(t.batch(1)).status, 200u);
    c.token("税務課");
    const auto conf = c.addUser("zeimu", {"--role", "section_manager", "--section", "税務課"});
    // Another's password only the CISO sets: the security administrator is refused; zeimu sets it.
    const std::string refused = sh("printf 'zeimu-long-secret\\n' | " + bin("mamorictl") + " --config " +
                                   (c.dir() / "mamorictl.conf").string() + " user password zeimu 2>&1");
    EXPECT_NE(refused.find("the CISO"), std::string::npos) << refused;
    setPassword(conf.string(), "zeimu-long-secret");
    Browser b(c, "zeimu");
    ASSERT_EQ(Browser::status(b.signIn("zeimu", "zeimu-long-secret")), 303);
    EXPECT_EQ(b.request("/console/today").find(t.id()), std::string::npos);
    const std::string page = b.request("/console/terminal?id=" + t.id());
    EXPECT_EQ(Browser::status(page), 403) << page;
    EXPECT_EQ(page.find("HEARTBEAT"), std::string::npos);
    EXPECT_NE(c.ctl({"access-log"}).find("events (refused)"), std::string::npos);
    // The ledger and the terminal list of another section neither.
    EXPECT_EQ(b.request("/console/terminals").find(t.id()), std::string::npos);
    EXPECT_EQ(Browser::status(b.request("/console/media?section=" + std::string("%E5%B8%82%E6%B0%91%E8%AA%B2"))), 403);
}

TEST(ConsoleTest, ASessionEndsAfterItsIdleTime) {
    TestCollector c(tempDir("console-idle") / "collector", "console_idle_seconds = 10\n");
    c.start();
    setPassword((c.dir() / "mamorictl.conf").string(), "a long enough secret");
    Browser b(c, "idle");
    ASSERT_EQ(Browser::status(b.signIn("admin", "a long enough secret")), 303);
    std::this_thread::sleep_for(std::chrono::seconds(6));
    EXPECT_EQ(Browser::status(b.request("/console/today")), 200);  // a request keeps it alive
    std::this_thread::sleep_for(std::chrono::seconds(6));
    EXPECT_EQ(Browser::status(b.request("/console/today")), 200);
    std::this_thread::sleep_for(std::chrono::seconds(11));
    const std::string out = b.request("/console/today");
    EXPECT_EQ(Browser::status(out), 303);
    EXPECT_NE(out.find("Location: /console/login?expired=1"), std::string::npos) << out;
}

TEST(ConsoleTest, ABrowserGetsAnEcdsaCertificateAndMamorisOwnProgramsTheCollectorsEd25519One) {
    TestCollector c(tempDir("console-cert") / "collector");
    c.start();
    EXPECT_EQ(std::filesystem::status(c.dir() / "console.key").permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const std::string at = "-connect 127.0.0.1:" + std::to_string(c.adminPort());
    // What a browser offers: no Ed25519.
    const std::string browser = sh("openssl s_client " + at + " -sigalgs 'ECDSA+SHA256:rsa_pss_rsae_sha256' </dev/null 2>/dev/null"
                                   " | openssl x509 -noout -text");
    EXPECT_NE(browser.find("id-ecPublicKey"), std::string::npos) << browser;
    EXPECT_NE(browser.find("prime256v1"), std::string::npos);
    // OpenSSL's default list puts ECDSA before Ed25519; the server still chooses Ed25519.
    const std::string openssl = sh("openssl s_client " + at + " </dev/null 2>/dev/null | openssl x509 -noout -text");
    EXPECT_NE(openssl.find("ED25519"), std::string::npos) << openssl;
    // It chains to console-ca.pem, which vouches for it alone: no key of that CA is left anywhere.
    const std::string verify = sh("openssl verify -CAfile " + (c.dir() / "console-ca.pem").string() + " " +
                                  (c.dir() / "console.pem").string() + " 2>&1");
    EXPECT_NE(verify.find(": OK"), std::string::npos) << verify;
    EXPECT_EQ(sh("grep -l 'PRIVATE KEY' " + c.dir().string() + "/console*"), (c.dir() / "console.key").string() + "\n");
    // And mamorictl keeps verifying the collector against its CA.
    EXPECT_NE(c.ctl({"terminals"}).find("no terminals"), std::string::npos);
}
