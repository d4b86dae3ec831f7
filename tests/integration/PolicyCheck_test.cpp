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

TEST(PolicyCheck, AProfileSavedAsShiftJisOnWindowsIsRefusedWithTheConversionCommand) {
    const auto dir = tempDir("policy-check-sjis");
    const auto utf8 = (dir / "utf8.yaml").string(), file = (dir / "税務課.yaml").string();
    std::ofstream(utf8) << "name: zeimu\ndescription: 税務課の端末\n";
    ASSERT_EQ(Subprocess::run({"/bin/sh", "-c", "iconv -f UTF-8 -t CP932 '" + utf8 + "' > '" + file + "'"}), 0);
    std::string out = check(file, 1);
    EXPECT_NE(out.find(file + ":2:14: error: the profile is not UTF-8: it reads as Shift_JIS (CP932)"), std::string::npos)
        << out;
    const std::string command = "iconv -f CP932 -t UTF-8 " + file + " > " + file + ".utf8";
    EXPECT_NE(out.find(command), std::string::npos) << out;
    // The command it gives does the job.
    ASSERT_EQ(Subprocess::run({"/bin/sh", "-c", command}), 0);
    out = check(file + ".utf8", 0);
    EXPECT_NE(out.find("valid"), std::string::npos) << out;
    EXPECT_NE(out.find("税務課の端末"), std::string::npos) << out;
    std::filesystem::remove_all(dir);
}

}  // namespace
