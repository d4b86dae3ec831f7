// What a terminal must enforce, resolved from each store: the group's policy, group "all" as
// the fallback, exceptions, and the version that makes an agent take a change.
#include <gtest/gtest.h>

#include "collector/PolicyResolver.h"
#include "mamori/v1/policy.pb.h"
#include "mamori/common/UserError.h"
#include "tests/support/StoreBackends.h"
#include "tests/support/StoreSamples.h"

using namespace mamori::collector;
using mamori::test::kNow;
using mamori::test::terminal;

namespace {

template <class Backend>
struct PolicyResolverTest : mamori::test::StoreFixture<Backend> {};
TYPED_TEST_SUITE(PolicyResolverTest, mamori::test::StoreBackends, mamori::test::StoreBackendNames);

uint64_t push(Store& store, const std::string& group, const std::string& name) {
    PolicyRecord p;
    p.group = group;
    p.name = name;
    p.policy = "";
    p.created_unix = kNow;
    p.created_by = "admin";
    return store.addPolicy(p);
}

// The agent as the collector sees it: it takes a delivery only when it is newer than what it applied.
uint64_t syncOnce(Store& store, const std::string& id) {
    const auto t = store.terminal(id);
    const auto delivery = PolicyResolver(store).forTerminal(*t, kNow);
    if (delivery && delivery->version > t->applied_policy_version) {
        store.recordSync(id, kNow, delivery->version, 0);
        return delivery->version;
    }
    return t->applied_policy_version;
}

TYPED_TEST(PolicyResolverTest, GroupWithoutAPolicyFollowsAll) {
    auto store = this->open();
    store->addTerminal(terminal("t1", "税務課"));
    EXPECT_FALSE(PolicyResolver(*store).forTerminal(*store->terminal("t1"), kNow));
    const uint64_t all = push(*store, "all", "全庁標準");
    auto d = PolicyResolver(*store).forTerminal(*store->terminal("t1"), kNow);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->version, all);
    EXPECT_EQ(d->policy.name, "全庁標準");
}

// The bug: delivery compared version numbers only, so a terminal moved (terminal set-group) to
// a group whose latest policy has a lower version than the one it ran never received that
// policy, and policy status showed it as current.
TYPED_TEST(PolicyResolverTest, TerminalMovedToAGroupWhosePolicyHasALowerVersionIsDeliveredThatPolicy) {
    auto store = this->open();
    store->addTerminal(terminal("t1", "税務課"));
    const uint64_t section = push(*store, "住民課", "住民課用");  // the lower version
    const uint64_t all = push(*store, "all", "全庁標準");
    ASSERT_LT(section, all);
    EXPECT_EQ(syncOnce(*store, "t1"), all);

    const uint64_t reissued = store->setTerminalGroup("t1", "住民課");
    EXPECT_GT(reissued, all) << "the move draws a version from the one policy version counter";
    const auto moved = store->terminal("t1");
    EXPECT_EQ(moved->policy_reissue_version, reissued);
    const auto d = PolicyResolver(*store).forTerminal(*moved, kNow);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->policy.name, "住民課用");
    EXPECT_EQ(d->policy.version, section);
    EXPECT_GT(d->version, moved->applied_policy_version) << "policy status must show it behind";
    EXPECT_EQ(syncOnce(*store, "t1"), reissued) << "the agent takes the new group's policy";

    // Later changes still reach it in the normal way.
    const uint64_t next = push(*store, "住民課", "住民課用 改訂");
    EXPECT_GT(next, reissued);
    EXPECT_EQ(syncOnce(*store, "t1"), next);
    EXPECT_EQ(store->terminals().at(0).policy_reissue_version, reissued) << "lists carry it too";
}

TYPED_TEST(PolicyResolverTest, MovingAnUnknownTerminalThrows) {
    auto store = this->open();
    EXPECT_THROW(store->setTerminalGroup("nobody", "住民課"), mamori::common::UserError);
}

}  // namespace

namespace {

// A profile carrying exceptions for some of the terminals it goes to, as PolicyLoader reads it.
TYPED_TEST(PolicyResolverTest, EachTerminalGetsOnlyTheProfileExceptionsNamingItOrItsGroup) {
    auto store = this->open();
    store->addTerminal(terminal("t1", "税務課"));
    store->addTerminal(terminal("t2", "税務課"));
    store->addTerminal(terminal("t3", "住民課"));
    mamori::v1::Policy profile;
    profile.set_name("全庁標準");
    auto add = [&](const std::string& id, const std::string& terminal_id, const std::string& group) {
        auto* e = profile.add_exceptions();
        e->set_id(id);
        e->set_control(mamori::v1::HOURS);
        e->set_hours_extension(true);
        e->set_terminal(terminal_id);
        e->set_group(group);
        e->set_expires_unix(kNow + 86400);
    };
    add("for-t1", "t1", "");
    add("for-tax", "", "税務課");
    add("unscoped", "", "");  // stored before scopes were required: it names nobody
    store->addPolicy({0, "all", "全庁標準", profile.SerializeAsString(), kNow, "admin"});

    auto ids = [&](const std::string& id) {
        PolicyResolver resolver(*store);
        const auto policy = PolicyResolver::compose(*resolver.forTerminal(*store->terminal(id), kNow));
        std::vector<std::string> out{policy.group()};
        for (const auto& e : policy.exceptions()) out.push_back(e.id());
        return out;
    };
    EXPECT_EQ(ids("t1"), (std::vector<std::string>{"税務課", "for-t1", "for-tax"}));
    EXPECT_EQ(ids("t2"), (std::vector<std::string>{"税務課", "for-tax"}));
    EXPECT_EQ(ids("t3"), (std::vector<std::string>{"住民課"}));
}

// The ledger's sticks join the profile's registered devices; a stick in both is kept once, with
// the stricter access, whichever source has it.
TYPED_TEST(PolicyResolverTest, LedgerSticksJoinTheProfilesDevicesAndTheStricterAccessWins) {
    using mamori::test::mediaChange;
    using mamori::test::mediaMoved;
    using mamori::test::mediaRecord;
    auto store = this->open();
    store->addTerminal(terminal("t1", "税務課"));
    mamori::v1::Policy profile;
    profile.set_name("全庁標準");
    auto list = [&](const std::string& id, const std::string& serial, mamori::v1::UsbAction action) {
        auto* d = profile.mutable_usb()->add_devices();
        d->set_id(id);
        d->set_vendor_id(0x0781);
        d->set_product_id(0x5581);
        d->set_serial(serial);
        d->set_action(action);
    };
    list("P-RW", "AAAA", mamori::v1::ALLOW);           // the ledger says read-only: the ledger's line
    list("P-RO", "BBBB", mamori::v1::ALLOW_READONLY);  // the ledger says read-write: the profile's line
    list("P-ONLY", "CCCC", mamori::v1::ALLOW);
    const uint64_t policy_version = store->addPolicy({0, "all", "全庁標準", profile.SerializeAsString(), kNow, "admin"});
    auto approve = [&](const std::string& device, const std::string& access) {
        auto m = mediaRecord(device, "税務課", kNow + 86400);
        m.access = access;
        const auto added = store->addMedia(m, "M-2025-", mediaChange("requested"));
        return store->changeMedia(mediaMoved(added, "active", kNow), "requested", mediaChange("approved", kNow, added.id));
    };
    const auto ro = approve("0781:5581:AAAA", "read-only");
    approve("0781:5581:BBBB", "read-write");
    const auto fresh = approve("0781:5581:DDDD", "read-only");
    store->addMedia(mediaRecord("0781:5581:EEEE", "税務課", kNow + 86400), "M-2025-", mediaChange("requested"));

    PolicyResolver resolver(*store);
    const auto delivery = resolver.forTerminal(*store->terminal("t1"), kNow);
    ASSERT_TRUE(delivery);
    EXPECT_EQ(delivery->media.size(), 3u) << "the request is not delivered";
    EXPECT_GT(delivery->version, policy_version);
    const auto policy = PolicyResolver::compose(*delivery);
    std::vector<std::string> devices;
    for (const auto& d : policy.usb().devices())
        devices.push_back(d.id() + " " + d.serial() + " " + mamori::v1::UsbAction_Name(d.action()));
    EXPECT_EQ(devices, (std::vector<std::string>{"P-RO BBBB ALLOW_READONLY", "P-ONLY CCCC ALLOW",
                                                 ro.id + " AAAA ALLOW_READONLY", fresh.id + " DDDD ALLOW_READONLY"}));
    const auto& ledger = policy.usb().devices(2);
    EXPECT_EQ(ledger.owner_section(), "税務課");
    EXPECT_EQ(ledger.approved_by(), "suzuki");
    EXPECT_EQ(ledger.expires(), "2026-01-31");
    EXPECT_EQ(ledger.description(), "選挙事務");
    EXPECT_EQ(PolicyResolver::compose(*resolver.forTerminal(*store->terminal("t1"), kNow)).SerializeAsString(),
              policy.SerializeAsString())
        << "the same every time";
}

}  // namespace
