// The keys of a backup sealed under a passphrase: what comes out is what went in, and a wrong
// passphrase, a changed byte anywhere or a crafted layout is refused with a reason, never half-read.
#include <gtest/gtest.h>

#include "collector/SealedArchive.h"
#include "mamori/common/UserError.h"

using mamori::collector::SealedArchive;
using mamori::common::UserError;

namespace {

const std::vector<SealedArchive::File> kFiles{{"ca.key", 0600, "-----BEGIN PRIVATE KEY-----\nsecret\n"},
                                              {"ca.pem", 0644, "-----BEGIN CERTIFICATE-----\n"},
                                              {"empty.conf", 0600, ""}};
constexpr int kFast = SealedArchive::kMinCost;

std::string refusal(const std::function<void()>& f) {
    try {
        f();
    } catch (const UserError& e) {
        return e.english() + " / " + e.japanese();
    }
    return "accepted";
}

}  // namespace

TEST(SealedArchive, WhatIsSealedOpensAsItWasWithThePassphrase) {
    const std::string sealed = SealedArchive::seal(kFiles, "correct horse battery", kFast);
    EXPECT_EQ(sealed.find("secret"), std::string::npos) << "nothing in clear";
    const auto files = SealedArchive::open(sealed, "correct horse battery");
    ASSERT_EQ(files.size(), kFiles.size());
    for (size_t i = 0; i < files.size(); ++i) {
        EXPECT_EQ(files[i].name, kFiles[i].name);
        EXPECT_EQ(files[i].mode, kFiles[i].mode);
        EXPECT_EQ(files[i].data, kFiles[i].data);
    }
    EXPECT_NE(SealedArchive::seal(kFiles, "correct horse battery", kFast), sealed) << "a fresh salt and nonce each time";
}

TEST(SealedArchive, AWrongPassphraseOrAnyChangedByteIsRefused) {
    const std::string sealed = SealedArchive::seal(kFiles, "correct horse battery", kFast);
    EXPECT_NE(refusal([&] { SealedArchive::open(sealed, "correct horse batterY"); }).find("the passphrase is wrong"),
              std::string::npos);
    // Every byte after the magic and the cost: salt, nonce, ciphertext and tag are all bound.
    for (size_t at = 17; at < sealed.size(); ++at) {
        std::string altered = sealed;
        altered[at] ^= 0x01;
        EXPECT_NE(refusal([&] { SealedArchive::open(altered, "correct horse battery"); }).find("archive was altered"),
                  std::string::npos)
            << "byte " << at;
    }
    EXPECT_NE(refusal([&] { SealedArchive::open(sealed.substr(0, sealed.size() - 1), "correct horse battery"); }),
              "accepted");
    EXPECT_NE(refusal([&] { SealedArchive::open("", "p"); }).find("not a sealed key archive"), std::string::npos);
    EXPECT_NE(refusal([&] { SealedArchive::open(std::string(100, 'x'), "p"); }).find("does not begin as one"),
              std::string::npos);
}

TEST(SealedArchive, AHeaderAskingForTooMuchMemoryIsRefusedBeforeAnyKeyIsDerived) {
    std::string sealed = SealedArchive::seal(kFiles, "correct horse battery", kFast);
    for (int cost : {0, SealedArchive::kMinCost - 1, SealedArchive::kMaxCost + 1, 63, 255}) {
        sealed[16] = static_cast<char>(cost);
        EXPECT_NE(refusal([&] { SealedArchive::open(sealed, "correct horse battery"); }).find("key cost is out of range"),
                  std::string::npos)
            << cost;
    }
}

TEST(SealedArchive, MalformedContentsAreRefusedWithTheReason) {
    const std::string packed = SealedArchive::pack(kFiles);
    EXPECT_EQ(SealedArchive::unpack(packed).size(), 3u);
    for (size_t cut = 1; cut < packed.size(); ++cut) {
        const std::string r = refusal([&] { SealedArchive::unpack(packed.substr(0, cut)); });
        // A cut that falls exactly between two files is a shorter, valid list.
        if (r != "accepted") EXPECT_NE(r.find("cut short"), std::string::npos) << cut << ": " << r;
    }
    auto one = [](const std::string& name, uint32_t mode) {
        std::string out;
        out += static_cast<char>(name.size() >> 8);
        out += static_cast<char>(name.size() & 0xff);
        out += name;
        for (int i = 3; i >= 0; --i) out += static_cast<char>((mode >> (8 * i)) & 0xff);
        out += std::string(4, '\0');
        return out;
    };
    for (const std::string name : {"../ca.key", "a/b", "..", "", "名前"})
        EXPECT_NE(refusal([&] { SealedArchive::unpack(one(name, 0600)); }).find("no plain name"), std::string::npos)
            << name;
    EXPECT_NE(refusal([&] { SealedArchive::unpack(one("ca.key", 04755)); }).find("impossible mode"), std::string::npos);
    EXPECT_NE(refusal([&] { SealedArchive::unpack(one("ca.key", 0600) + one("ca.key", 0600)); }).find("there twice"),
              std::string::npos);
    EXPECT_THROW(SealedArchive::pack({{"../x", 0600, ""}}), std::invalid_argument);
}
