#include "collector/PolicyUpload.h"

#include <gtest/gtest.h>

#include "mamori/common/UserError.h"
#include "mamori/policy/PolicyLoader.h"

using mamori::collector::PolicyUpload;
using mamori::common::UserError;

namespace {

// The refusal's two sentences, for checking what the administrator is told.
UserError refusalOf(const std::string& text) {
    try {
        PolicyUpload::decode(text);
    } catch (const UserError& e) {
        return e;
    }
    ADD_FAILURE() << "accepted: " << text;
    return UserError::invalid("", "");
}

}  // namespace

TEST(PolicyUploadTest, APolicyComesBackAsItWasSent) {
    const auto policy = mamori::policy::PolicyLoader::builtInDefault();
    const auto back = PolicyUpload::decode(PolicyUpload::encode(policy));
    EXPECT_EQ(back.SerializeAsString(), policy.SerializeAsString());
}

TEST(PolicyUploadTest, TextThatIsNotBase64ToItsEndIsRefusedNotCutShort) {
    const std::string whole = PolicyUpload::encode(mamori::policy::PolicyLoader::builtInDefault());
    // As `base64` wraps its output: the decoder would stop at the first line break.
    std::string wrapped = whole;
    for (size_t at = 76; at < wrapped.size(); at += 77) wrapped.insert(at, "\n");
    const UserError e = refusalOf(wrapped);
    EXPECT_NE(e.english().find("at character 77"), std::string::npos) << e.english();
    EXPECT_NE(e.japanese().find("77 文字目"), std::string::npos) << e.japanese();
    EXPECT_EQ(e.httpStatus(), 400u);
    refusalOf(whole + " ");
    refusalOf(whole.substr(0, whole.size() - 1));  // not a whole number of base64 quads
    refusalOf("!!!!");
}

TEST(PolicyUploadTest, BytesThatAreNotAPolicyAreRefused) {
    const UserError e = refusalOf("/////w==");  // valid base64 of bytes no protobuf parses
    EXPECT_NE(e.english().find("is not a policy"), std::string::npos) << e.english();
    EXPECT_NE(e.japanese().find("ポリシーではありません"), std::string::npos);
}
