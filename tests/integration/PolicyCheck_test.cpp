// `mamorictl policy check`, the administrator's first command: a sample profile is valid and its
// summary names what it enforces; a malformed one is rejected with file:line:column in English
// and Japanese, with a failing exit code, and needs no collector.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

std::string check(const std::string& file, int expect) {
    std::string out;
    EXPECT_EQ(Subprocess::run({bin("mamorictl"), "policy", "check", file}, &out), expect) << out;
    return out;
}

TEST(PolicyCheck, SampleProfileIsValidAndItsSummarySaysWhatItEnforces) {
    const std::string out = check(std::string(MAMORI_SOURCE_DIR) + "/installer/profiles/mynumber.yaml", 0);
    EXPECT_NE(out.find("mynumber.yaml: valid"), std::string::npos) << out;
    EXPECT_NE(out.find("USB (電磁的記録媒体): enforce"), std::string::npos) << out;
    EXPECT_NE(out.find("Screen lock (画面ロック): enforce — lock after 5 min idle"), std::string::npos) << out;
}

TEST(PolicyCheck, MalformedProfileIsRejectedWithItsLineAndColumnInBothLanguages) {
    const auto dir = tempDir("policy-check");
    const auto file = (dir / "bad.yaml").string();
    std::ofstream(file) << "name: x\nusb:\n  mode: enforce\n  devices:\n"
                           "    - {id: a, vendor: \"12G4\", product: \"0001\", serial: \"S1\"}\n";
    const std::string out = check(file, 1);
    EXPECT_NE(out.find(file + ":5:23: error: usb.devices.vendor \"12G4\" is not a USB vendor id"), std::string::npos)
        << out;
    EXPECT_NE(out.find("ベンダー ID として正しくありません"), std::string::npos) << out;
    EXPECT_NE(out.find("rejected (1 problem(s)); nothing was changed"), std::string::npos) << out;
    std::filesystem::remove_all(dir);
}

}  // namespace
