// The alert mail's headers and body as a mail client decodes them, and the addresses and
// section lists the configuration may give.
#include <gtest/gtest.h>

#include "collector/AlertMailer.h"
#include "collector/MailMessage.h"
#include "mamori/common/UserError.h"

using mamori::collector::AlertMailer;
using mamori::collector::MailMessage;

TEST(MailMessage, SubjectIsEncodedWordsOfWholeCharactersAndTheBodyBase64Lines) {
    const std::string subject = "【mamori】違反 12件 改ざんの疑い 1件 通信途絶 3台 (2026-12-05T10:15)";
    const std::string m = MailMessage::compose("mamori@city.example.jp", {"a@city.example.jp", "b@city.example.jp"},
                                               subject, std::string(200, 'x') + "税務課\n", 1'796'000'000);
    EXPECT_EQ(m.rfind("From: mamori@city.example.jp\r\nTo: a@city.example.jp, b@city.example.jp\r\nSubject: =?UTF-8?B?", 0), 0u)
        << m;
    EXPECT_NE(m.find("\r\nDate: Mon, 30 Nov 2026 00:53:20 +0000\r\n"), std::string::npos) << m;
    EXPECT_NE(m.find("@city.example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n"),
              std::string::npos);
    // Each header line within 78 characters, each encoded word within 75.
    for (size_t at = 0, end; (end = m.find("\r\n", at)) != std::string::npos; at = end + 2) EXPECT_LE(end - at, 78u);
    EXPECT_EQ(MailMessage::base64(""), "");
    EXPECT_EQ(MailMessage::base64("f"), "Zg==");
    EXPECT_EQ(MailMessage::base64("fo"), "Zm8=");
    EXPECT_EQ(MailMessage::base64("foo"), "Zm9v");
    EXPECT_EQ(MailMessage::base64("税"), "56iO");
}

TEST(MailMessage, OnlyPlainAddressesReachHeadersAndTheEnvelope) {
    EXPECT_TRUE(MailMessage::plainAddress("joho-seisaku@city.example.lg.jp"));
    for (const std::string bad : {"", "a", "@b", "a@", "a@b@c", "a b@c", "a@b\r\nBcc: x@y", "<a@b>", "a,b@c", "\"a\"@b",
                                  "情報@city.jp"})
        EXPECT_FALSE(MailMessage::plainAddress(bad)) << bad;
}

TEST(MailMessage, SectionListsAreParsedOrRefusedWithTheReason) {
    const auto m = AlertMailer::parseSections(" 税務課 = a@x.jp, b@x.jp ; 住民課=c@x.jp;");
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m.at("税務課"), (std::vector<std::string>{"a@x.jp", "b@x.jp"}));
    EXPECT_EQ(m.at("住民課"), (std::vector<std::string>{"c@x.jp"}));
    EXPECT_TRUE(AlertMailer::parseSections("").empty());
    auto why = [](const std::string& text) {
        try {
            AlertMailer::parseSections(text);
        } catch (const mamori::common::UserError& e) {
            return e.english();
        }
        return std::string("accepted");
    };
    EXPECT_NE(why("税務課 a@x.jp").find("is not SECTION=ADDRESS"), std::string::npos);
    EXPECT_NE(why("=a@x.jp").find("is not SECTION=ADDRESS"), std::string::npos);
    EXPECT_NE(why("税務課=a@x.jp; 税務課=b@x.jp").find("names 税務課 twice"), std::string::npos);
    EXPECT_NE(why("税務課=").find("'' is not a mail address"), std::string::npos);
    EXPECT_NE(why("税務課=a@x.jp,,b@x.jp").find("is not a mail address"), std::string::npos);
}
