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
    EXPECT_TRUE(contains(text, "EX-9: hours extension (時間外利用) for terminal MN-012, user tanaka, until 2026-03-31 20:00 "
                               "(Asia/Tokyo); requested by 課長, approved by CISO"))
        << text;
}

}  // namespace
