#include <gtest/gtest.h>

#include "mamori/policy/PolicyLoader.h"
#include "mamori/policy/PolicySummary.h"

#include <filesystem>

using mamori::policy::PolicyLoader;
using mamori::policy::PolicySummary;

namespace {

const std::filesystem::path kProfiles = std::filesystem::path(MAMORI_SOURCE_DIR) / "installer" / "profiles";

bool contains(const std::string& text, const std::string& fragment) {
    return text.find(fragment) != std::string::npos;
}

TEST(PolicySummary, DescribesTheMyNumberProfile) {
    const auto r = PolicyLoader::loadFile(kProfiles / "mynumber.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const std::string text = PolicySummary::describe(r.policy());
    EXPECT_TRUE(contains(text, "Profile \"mynumber\"")) << text;
    EXPECT_TRUE(contains(text, "USB (電磁的記録媒体): enforce")) << text;
    EXPECT_TRUE(contains(text, "blocked: mass storage (USB memory) [08], imaging")) << text;
    EXPECT_TRUE(contains(text, "2 registered sticks (登録媒体: 2 read-only, 0 read-write)")) << text;
    EXPECT_TRUE(contains(text, "open Mon-Fri 08:30-17:45 (Asia/Tokyo)")) << text;
    EXPECT_TRUE(contains(text, "12/29-1/3 (年末年始)")) << text;
    EXPECT_TRUE(contains(text, "Software (ソフトウェア): enforce")) << text;
    EXPECT_TRUE(contains(text, "always denied: p2p")) << text;
    EXPECT_TRUE(contains(text, "lock after 5 min idle")) << text;
    EXPECT_TRUE(contains(text, "Exceptions (例外措置): none")) << text;
    EXPECT_TRUE(contains(text, "3 failed logons of one user within 10 min are a violation")) << text;
    EXPECT_TRUE(contains(text, "clock skew over 30 s, measured by the collector at each sync, is a clock violation")) << text;
    EXPECT_TRUE(contains(text, "up to 128 MiB of events kept")) << text;
}

TEST(PolicySummary, SaysWhatTheTerminalKeepsWhereTheProfileLeavesIt) {
    const auto r = PolicyLoader::load("name: s\nhours: {failed_logons: {limit: 1, within_minutes: 5}}\n", "s.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const std::string text = PolicySummary::describe(r.policy());
    EXPECT_TRUE(contains(text, "1 failed logon of one user within 5 min is a violation")) << text;
    EXPECT_TRUE(contains(text, "up to each terminal's own journal_max_bytes (agent.conf)")) << text;
}

TEST(PolicySummary, DescribesExceptionsAndMonitorMode) {
    const auto r = PolicyLoader::load(R"(name: s
hours: {mode: monitor, weekdays: [mon, wed, fri], windows: ["09:00-12:00", "13:00-17:00"], national_holidays: open, year_end: open}
exceptions:
  - {id: EX-9, control: hours, terminal: MN-012, user: tanaka, reason: r, requested_by: 課長, approved_by: CISO,
     expires: "2026-03-31 20:00"}
)", "s.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const std::string text = PolicySummary::describe(r.policy());
    EXPECT_TRUE(contains(text, "monitor (report only, nothing is changed) — open Mon, Wed, Fri 09:00-12:00, 13:00-17:00"))
        << text;
    EXPECT_TRUE(contains(text, "open on holidays")) << text;
    EXPECT_TRUE(contains(text, "EX-9: hours extension (時間外利用) on terminal MN-012 only, for tanaka's logons only, "
                               "until 2026-03-31 20:00 (Asia/Tokyo); requested by 課長, approved by CISO"))
        << text;
}

TEST(PolicySummary, SaysWhereAndForWhomEachExceptionApplies) {
    const auto lgwan = PolicyLoader::loadFile(kProfiles / "lgwan.yaml");
    ASSERT_TRUE(lgwan.ok()) << lgwan.formatErrors();
    const std::string shipped = PolicySummary::describe(lgwan.policy());
    EXPECT_TRUE(contains(shipped, "EX-2027-003: hours extension (時間外利用) on the terminals of group 税務課 only, for every "
                                  "user, through 2027-03-15"))
        << shipped;

    const auto r = PolicyLoader::load(R"(name: s
exceptions:
  - {id: EX-U, control: usb, terminal: MN-1, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31,
     device: "04BB:0C0A:SN1"}
  - {id: EX-N, control: usb, group: 市民課, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31,
     device: "04bb:0c0a", access: read-write}
  - {id: EX-S, control: software, group: 税務課, user: tanaka, reason: r, requested_by: a, approved_by: b,
     expires: 2026-03-31, path: /opt/migration/convert}
)", "s.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const std::string text = PolicySummary::describe(r.policy());
    EXPECT_TRUE(contains(text, "EX-U: USB 04bb:0c0a:SN1 read-only on terminal MN-1 only, for every user, through 2026-03-31")) << text;
    EXPECT_TRUE(contains(text, "EX-N: USB 04bb:0c0a (a device of that model without a serial number) read-write on the "
                               "terminals of group 市民課 only"))
        << text;
    EXPECT_TRUE(contains(text, "EX-S: software program /opt/migration/convert on the terminals of group 税務課 only, for "
                               "programs tanaka runs only"))
        << text;
}

// A policy from the wire is described as the agents will treat it, not as a profile would say it.
TEST(PolicySummary, AnExceptionAgentsIgnoreIsSaidToBeIgnored) {
    mamori::v1::Policy p;
    auto* e = p.add_exceptions();
    e->set_id("EX-X");
    e->set_control(mamori::v1::USB);
    e->set_usb_device("0781:5581:A");
    e->set_usb_action(mamori::v1::ALLOW_READONLY);
    e->set_user("tanaka");
    e->set_terminal("MN-1");
    auto* unscoped = p.add_exceptions();
    unscoped->set_id("EX-Y");
    unscoped->set_control(mamori::v1::HOURS);
    unscoped->set_hours_extension(true);
    const std::string text = PolicySummary::describe(p);
    EXPECT_TRUE(contains(text, "limited to user tanaka, which this control cannot tell, so it is never honoured")) << text;
    EXPECT_TRUE(contains(text, "EX-Y: hours extension (時間外利用) on no terminal (it names neither a terminal nor a group, so "
                               "every agent ignores it), no expiry, so no agent honours it"))
        << text;
}

}  // namespace
