// PolicyKeeper with a real Ed25519 policy key and a temp state directory: only a policy signed by
// the pinned key, addressed to this terminal, newer than the one applied and taken by the controls
// replaces the policy in force; it is then the last-known-good a restart comes back to.
#include "agent/PolicyKeeper.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mamori/policy/PolicyLoader.h"
#include "mamori/common/Files.h"

using google::protobuf::util::MessageDifferencer;
using mamori::agent::PolicyKeeper;
using mamori::policy::PolicyLoader;
using mamori::proto::Ed25519Key;
using mamori::common::Files;
namespace v1 = mamori::v1;
namespace fs = std::filesystem;

namespace {

const std::string kTerminal = "term-1";

// A policy as the collector stamps it: a name, a version and a setting that tells it apart.
v1::Policy profile(uint64_t version, const std::string& name = "") {
    v1::Policy p;
    p.set_name(name.empty() ? "profile-v" + std::to_string(version) : name);
    p.set_version(version);
    p.set_description("test profile");
    p.mutable_screen_lock()->set_mode(v1::ENFORCE);
    p.mutable_screen_lock()->set_idle_minutes(static_cast<uint32_t>(10 + version));
    return p;
}

// Sealed exactly as collector/AgentApi.cpp does at sync: the serialized PolicyEnvelope is the
// signed byte string, and the signature is over those bytes.
v1::SignedPolicy seal(const v1::Policy& p, const Ed25519Key& key, const std::string& terminal = kTerminal) {
    v1::PolicyEnvelope env;
    *env.mutable_policy() = p;
    env.set_terminal_id(terminal);
    env.set_issued_unix_ns(1'700'000'000'000'000'000 + static_cast<int64_t>(p.version()));
    v1::SignedPolicy sp;
    env.SerializeToString(sp.mutable_envelope());
    sp.set_signature(key.sign(sp.envelope()));
    return sp;
}

struct PolicyKeeperTest : ::testing::Test {
    fs::path dir;
    Ed25519Key collector = Ed25519Key::generate();  // the collector's policy key, private half
    std::vector<v1::Policy> applied;                 // every policy the controls took, in order
    int refused = 0;                                 // how often the controls refused

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "mamori-policy-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
    }
    void TearDown() override { fs::remove_all(dir); }

    // As the agent builds it: the state directory, the terminal id from the certificate and the
    // public half of the policy key pinned at enrollment.
    PolicyKeeper keeper() const {
        return PolicyKeeper(dir, kTerminal, Ed25519Key::fromPublicRaw(collector.publicRaw()));
    }

    PolicyKeeper::Apply accepting() {
        return [this](const v1::Policy& p, std::string&) {
            applied.push_back(p);
            return true;
        };
    }
    PolicyKeeper::Apply refusing(std::string reason) {
        return [this, reason](const v1::Policy&, std::string& why) {
            ++refused;
            why = reason;
            return false;
        };
    }

    fs::path lkgFile() const { return dir / "policy.signed"; }  // PolicyKeeper::file()
    std::string lkg() const { return fs::exists(lkgFile()) ? Files::read(lkgFile()) : std::string(); }

    // Starts on the built-in default, then takes `p` from the collector; forgets what was applied.
    void takeFromCollector(PolicyKeeper& k, const v1::Policy& p) {
        ASSERT_TRUE(k.start(accepting()).accepted);
        auto v = k.offer(seal(p, collector), accepting());
        ASSERT_TRUE(v.accepted) << v.reason;
        ASSERT_EQ(k.version(), p.version());
        ASSERT_FALSE(lkg().empty());
        applied.clear();
    }

    static void expectInForce(const PolicyKeeper& k, const v1::Policy& p) {
        EXPECT_EQ(k.version(), p.version());
        EXPECT_EQ(k.current().name(), p.name());
        EXPECT_TRUE(MessageDifferencer::Equals(k.current(), p)) << k.current().ShortDebugString();
    }
};

}  // namespace

TEST_F(PolicyKeeperTest, SignedNewerPolicyForThisTerminalIsAppliedAndSavedAsLastKnownGood) {
    auto k = keeper();
    auto start = k.start(accepting());
    EXPECT_TRUE(start.accepted);
    EXPECT_EQ(start.version, 0u);
    EXPECT_EQ(k.version(), 0u);
    EXPECT_TRUE(MessageDifferencer::Equals(k.current(), PolicyLoader::builtInDefault()));
    EXPECT_FALSE(fs::exists(lkgFile()));  // the built-in default is never written out
    applied.clear();

    const v1::Policy p = profile(3);
    const v1::SignedPolicy sp = seal(p, collector);
    auto v = k.offer(sp, accepting());
    EXPECT_TRUE(v.accepted) << v.reason;
    EXPECT_EQ(v.version, 3u);
    EXPECT_EQ(v.name, "profile-v3");
    EXPECT_TRUE(v.reason.empty()) << v.reason;

    ASSERT_EQ(applied.size(), 1u);
    EXPECT_TRUE(MessageDifferencer::Equals(applied[0], p));
    expectInForce(k, p);

    // The file holds the signed policy as received, signature and all, readable by root alone.
    EXPECT_EQ(lkg(), sp.SerializeAsString());
    v1::SignedPolicy saved;
    ASSERT_TRUE(saved.ParseFromString(lkg()));
    EXPECT_EQ(saved.envelope(), sp.envelope());
    EXPECT_EQ(saved.signature(), sp.signature());
    struct stat st {};
    ASSERT_EQ(stat(lkgFile().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    // A later version replaces it, in force and on disk.
    const v1::Policy next = profile(4);
    const v1::SignedPolicy next_sp = seal(next, collector);
    EXPECT_TRUE(k.offer(next_sp, accepting()).accepted);
    expectInForce(k, next);
    EXPECT_EQ(lkg(), next_sp.SerializeAsString());
}

TEST_F(PolicyKeeperTest, PolicySignedByAnotherKeyIsRefusedAndThePolicyInForceStays) {
    auto k = keeper();
    const v1::Policy baseline = profile(5);
    ASSERT_NO_FATAL_FAILURE(takeFromCollector(k, baseline));
    const std::string before = lkg();

    const Ed25519Key impostor = Ed25519Key::generate();
    auto v = k.offer(seal(profile(6), impostor), accepting());
    EXPECT_FALSE(v.accepted);
    EXPECT_NE(v.reason.find("signature"), std::string::npos) << v.reason;

    EXPECT_TRUE(applied.empty());
    expectInForce(k, baseline);
    EXPECT_EQ(lkg(), before);
}

TEST_F(PolicyKeeperTest, PolicyWithAByteChangedAfterSigningIsRefusedAndThePolicyInForceStays) {
    auto k = keeper();
    const v1::Policy baseline = profile(5);
    ASSERT_NO_FATAL_FAILURE(takeFromCollector(k, baseline));
    const std::string before = lkg();

    v1::SignedPolicy sp = seal(profile(6), collector);
    std::string& envelope = *sp.mutable_envelope();
    const auto at = envelope.find("profile-v6");
    ASSERT_NE(at, std::string::npos);
    envelope[at] ^= 0x20;  // 'p' -> 'P': still a well-formed envelope, no longer what was signed
    v1::PolicyEnvelope altered;
    ASSERT_TRUE(altered.ParseFromString(envelope));
    EXPECT_EQ(altered.policy().name(), "Profile-v6");
    EXPECT_EQ(altered.terminal_id(), kTerminal);

    auto v = k.offer(sp, accepting());
    EXPECT_FALSE(v.accepted);
    EXPECT_NE(v.reason.find("signature"), std::string::npos) << v.reason;

    EXPECT_TRUE(applied.empty());
    expectInForce(k, baseline);
    EXPECT_EQ(lkg(), before);
}

TEST_F(PolicyKeeperTest, OlderOrEqualVersionIsRefusedAndThePolicyInForceStays) {
    auto k = keeper();
    const v1::Policy baseline = profile(5);
    ASSERT_NO_FATAL_FAILURE(takeFromCollector(k, baseline));
    const std::string before = lkg();

    // Correctly signed and addressed, but not newer: a replay of an old one or a rival at the same version.
    for (const v1::Policy& stale : {profile(4), profile(5, "rival-v5"), profile(1)}) {
        auto v = k.offer(seal(stale, collector), accepting());
        EXPECT_FALSE(v.accepted) << stale.name();
        EXPECT_EQ(v.version, stale.version());
        EXPECT_NE(v.reason.find("not newer"), std::string::npos) << v.reason;
        expectInForce(k, baseline);
    }
    EXPECT_TRUE(applied.empty());
    EXPECT_EQ(lkg(), before);
}

TEST_F(PolicyKeeperTest, PolicyAddressedToAnotherTerminalIsRefusedAndThePolicyInForceStays) {
    auto k = keeper();
    const v1::Policy baseline = profile(5);
    ASSERT_NO_FATAL_FAILURE(takeFromCollector(k, baseline));
    const std::string before = lkg();

    // Genuinely signed by the collector, for a neighbour: must not be replayable here.
    auto v = k.offer(seal(profile(6), collector, "term-2"), accepting());
    EXPECT_FALSE(v.accepted);
    EXPECT_NE(v.reason.find("term-2"), std::string::npos) << v.reason;

    EXPECT_TRUE(applied.empty());
    expectInForce(k, baseline);
    EXPECT_EQ(lkg(), before);
}

TEST_F(PolicyKeeperTest, PolicyTheControlsRefuseLeavesThePolicyInForceAndTheLastKnownGoodFile) {
    auto k = keeper();
    const v1::Policy baseline = profile(5);
    ASSERT_NO_FATAL_FAILURE(takeFromCollector(k, baseline));
    const std::string before = lkg();

    const v1::SignedPolicy sp = seal(profile(6), collector);
    auto v = k.offer(sp, refusing("usb: the device list cannot be applied"));
    EXPECT_FALSE(v.accepted);
    EXPECT_EQ(v.reason, "usb: the device list cannot be applied");
    EXPECT_EQ(refused, 1);
    expectInForce(k, baseline);
    EXPECT_EQ(lkg(), before);

    // The refusal does not burn the version: once the controls can take it, it applies.
    EXPECT_TRUE(k.offer(sp, accepting()).accepted);
    expectInForce(k, profile(6));
    EXPECT_EQ(lkg(), sp.SerializeAsString());
}

TEST_F(PolicyKeeperTest, FirstPolicyTheControlsRefuseWritesNoLastKnownGood) {
    auto k = keeper();
    ASSERT_TRUE(k.start(accepting()).accepted);
    auto v = k.offer(seal(profile(1), collector), refusing("hours: unknown time zone"));
    EXPECT_FALSE(v.accepted);
    EXPECT_EQ(v.reason, "hours: unknown time zone");
    EXPECT_EQ(k.version(), 0u);
    EXPECT_TRUE(MessageDifferencer::Equals(k.current(), PolicyLoader::builtInDefault()));
    EXPECT_FALSE(fs::exists(lkgFile()));
}

TEST_F(PolicyKeeperTest, RestartRestoresTheLastKnownGoodFromTheStateDirectoryAlone) {
    const v1::Policy p = profile(7);
    const v1::SignedPolicy sp = seal(p, collector);
    {
        auto k = keeper();
        ASSERT_TRUE(k.start(accepting()).accepted);
        ASSERT_TRUE(k.offer(sp, accepting()).accepted);
    }
    applied.clear();

    // A new keeper on the same directory: no offer, only what is on disk and the pinned key.
    auto k = keeper();
    EXPECT_EQ(k.version(), 0u);  // nothing in force before start()
    auto v = k.start(accepting());
    EXPECT_TRUE(v.accepted) << v.reason;
    EXPECT_EQ(v.version, 7u);
    EXPECT_EQ(v.name, "profile-v7");
    ASSERT_EQ(applied.size(), 1u);  // the controls were handed the saved policy, not the default
    EXPECT_TRUE(MessageDifferencer::Equals(applied[0], p));
    expectInForce(k, p);
    EXPECT_EQ(lkg(), sp.SerializeAsString());

    // The restored version guards as before: the same signed policy again is not newer.
    auto again = k.offer(sp, accepting());
    EXPECT_FALSE(again.accepted);
    EXPECT_NE(again.reason.find("not newer"), std::string::npos) << again.reason;
    EXPECT_EQ(applied.size(), 1u);
}

TEST_F(PolicyKeeperTest, AlteredLastKnownGoodFileIsRefusedAtStartAndTheBuiltInDefaultRuns) {
    v1::SignedPolicy sp = seal(profile(7), collector);
    std::string& envelope = *sp.mutable_envelope();
    const auto at = envelope.find("profile-v7");
    ASSERT_NE(at, std::string::npos);
    envelope[at] ^= 0x20;
    Files::writeAtomic(lkgFile(), sp.SerializeAsString(), 0600);

    auto k = keeper();
    auto v = k.start(accepting());
    EXPECT_TRUE(v.accepted);
    EXPECT_EQ(v.version, 0u);
    EXPECT_EQ(k.version(), 0u);
    // The refusal itself is evidence: the agent records it as POLICY_REJECTED.
    ASSERT_TRUE(k.refusedAtStart().has_value());
    EXPECT_FALSE(k.refusedAtStart()->accepted);
    EXPECT_NE(k.refusedAtStart()->reason.find("last-known-good"), std::string::npos) << k.refusedAtStart()->reason;
    EXPECT_TRUE(MessageDifferencer::Equals(k.current(), PolicyLoader::builtInDefault()));
    ASSERT_EQ(applied.size(), 1u);
    EXPECT_TRUE(MessageDifferencer::Equals(applied[0], PolicyLoader::builtInDefault()));
}

TEST_F(PolicyKeeperTest, TerminalWithoutAPinnedKeyRefusesEverySignedPolicy) {
    PolicyKeeper k(dir, kTerminal, std::nullopt);
    ASSERT_TRUE(k.start(accepting()).accepted);
    applied.clear();
    auto v = k.offer(seal(profile(1), collector), accepting());
    EXPECT_FALSE(v.accepted);
    EXPECT_NE(v.reason.find("no policy key"), std::string::npos) << v.reason;
    EXPECT_TRUE(applied.empty());
    EXPECT_EQ(k.version(), 0u);
    EXPECT_FALSE(fs::exists(lkgFile()));
}

namespace {

TEST_F(PolicyKeeperTest, EditedLocalProfileAppliesAndOneWithErrorsIsRefusedWithItsLine) {
    const fs::path profile_file = dir / "standalone.yaml";
    Files::writeAtomic(profile_file, "name: offline-v1\nscreen_lock:\n  mode: enforce\n  idle_minutes: 7\n");
    PolicyKeeper k(dir, "unenrolled", std::nullopt);
    k.useLocalProfile(profile_file);
    ASSERT_TRUE(k.start(accepting()).accepted);
    EXPECT_EQ(k.current().name(), "offline-v1");

    Files::writeAtomic(profile_file, "name: offline-v2\nscreen_lock:\n  mode: enforce\n  idle_minutes: 3\n");
    auto good = k.reloadLocalProfile(accepting());
    EXPECT_TRUE(good.accepted) << good.reason;
    EXPECT_EQ(k.current().name(), "offline-v2");
    EXPECT_EQ(k.current().screen_lock().idle_minutes(), 3u);

    Files::writeAtomic(profile_file, "name: offline-v3\nscreen_lock:\n  mode: enforce\n  idle_minutes: soon\n");
    auto bad = k.reloadLocalProfile(accepting());
    EXPECT_FALSE(bad.accepted);
    EXPECT_NE(bad.reason.find("standalone.yaml:4:"), std::string::npos) << bad.reason;
    EXPECT_EQ(k.current().name(), "offline-v2");  // the last good one stays in force
    EXPECT_EQ(applied.size(), 2u);
}

TEST_F(PolicyKeeperTest, AnEnrolledTerminalIgnoresLocalProfileEdits) {
    const fs::path profile_file = dir / "standalone.yaml";
    Files::writeAtomic(profile_file, "name: offline\n");
    PolicyKeeper k = keeper();
    k.useLocalProfile(profile_file);
    ASSERT_TRUE(k.start(accepting()).accepted);
    const std::string before = k.current().name();
    EXPECT_FALSE(k.reloadLocalProfile(accepting()).accepted);
    EXPECT_EQ(k.current().name(), before);
}

}  // namespace
