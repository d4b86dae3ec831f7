// SoftwareControl on fakes: what it answers the kernel and what it journals.
#include "agent/SoftwareControl.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>

#include "agent/FileDigests.h"
#include "agent/WorkPool.h"
#include "fakes/FakeExecutableFile.h"
#include "fakes/FakeExecutableFinder.h"
#include "fakes/FakeProcessWatch.h"
#include "fakes/FakeSoftwareInventory.h"
#include "fakes/ManualClock.h"
#include "tests/support/JournalProbe.h"

namespace {

namespace v1 = mamori::v1;
using mamori::agent::AgentConfig;
using mamori::agent::ControlContext;
using mamori::agent::FileDigests;
using mamori::agent::SoftwareControl;
using mamori::platform::FileIdentity;
using mamori::test::FakeExecutableFile;
using Verdict = mamori::platform::ExecVerdict;
using namespace std::chrono_literals;

const std::string kTrue = "\x7f" "ELF true";
const std::string kEvil = "\x7f" "ELF evil";

std::string md5(const std::string& s) {
    return FileDigests::compute([&](const auto& chunk) { chunk(s); return true; })->md5;
}
std::string sha256(const std::string& s) {
    return FileDigests::compute([&](const auto& chunk) { chunk(s); return true; })->sha256;
}

class SoftwareControlTest : public ::testing::Test {
protected:
    SoftwareControlTest() {
        config_.state_dir = probe_.dir() / "state";
        inventory_->packages = {{"coreutils", "9.1-1", "amd64"}, {"gimp", "2.10.34-1", "amd64"},
                                {"qbittorrent", "4.5.2-3", "amd64"}};
        inventory_->files["/bin/true"] = {"coreutils", md5(kTrue)};
        inventory_->files["/usr/bin/gimp"] = {"gimp", md5("gimp")};
        make();
    }

    void make() {
        auto inventory = std::make_unique<mamori::test::FakeSoftwareInventory>();
        inventory->packages = inventory_->packages;
        inventory->files = inventory_->files;
        auto watch = std::make_unique<mamori::test::FakeProcessWatch>();
        auto finder = std::make_unique<mamori::test::FakeExecutableFinder>();
        finder->found = found_;
        inventory_ = inventory.get();
        watch_ = watch.get();
        control_.reset();
        control_ = std::make_unique<SoftwareControl>(
            ControlContext{io_.get_executor(), probe_.sink(), clock_, config_, work_.executor(), {}, "MN-012"},
            SoftwareControl::Platform{std::move(inventory), std::move(watch), std::move(finder)});
        owned_inventory_.reset();
    }

    static v1::Policy policy(v1::Mode mode) {
        v1::Policy p;
        auto* s = p.mutable_software();
        s->set_mode(mode);
        s->add_allowed_packages()->set_name("coreutils");
        s->add_allowed_path_prefixes("/opt/juki-client/");
        s->add_denied_categories("p2p");
        s->add_watch_mounts("/");
        s->set_decision_deadline_ms(250);
        s->set_on_deadline(v1::DEADLINE_ALLOW);
        return p;
    }

    void apply(const v1::Policy& p) {
        std::string why;
        ASSERT_TRUE(control_->check(p, why)) << why;
        control_->apply(p);
        settle();
    }

    // Runs the reactor until the pool and the event outbox have been quiet for 100 ms (the pool
    // threads may wait for a core on a loaded machine), at most 10 s.
    void settle() {
        const auto until = std::chrono::steady_clock::now() + 10s;
        for (auto quiet_since = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() < until;) {
            io_.restart();
            if (io_.run_for(2ms)) quiet_since = std::chrono::steady_clock::now();
            else if (std::chrono::steady_clock::now() - quiet_since > 100ms) return;
        }
    }

    std::shared_ptr<FakeExecutableFile> file(const std::string& path, const std::string& content, uint64_t inode) {
        return std::make_shared<FakeExecutableFile>(path, content, FileIdentity{1, inode, content.size(), 100, 100});
    }

    std::optional<Verdict> run(std::shared_ptr<FakeExecutableFile> f, uint32_t uid = 1000) {
        auto ev = watch_->exec(std::move(f), uid);
        settle();
        return watch_->verdict(ev.id);
    }

    std::vector<v1::EventBody> events(v1::EventType t) { return probe_.events(t); }

    boost::asio::io_context io_;
    mamori::test::ManualClock clock_;
    mamori::test::JournalProbe probe_{clock_};
    AgentConfig config_;
    std::unique_ptr<mamori::test::FakeSoftwareInventory> owned_inventory_ =
        std::make_unique<mamori::test::FakeSoftwareInventory>();
    mamori::test::FakeSoftwareInventory* inventory_ = owned_inventory_.get();
    mamori::test::FakeProcessWatch* watch_ = nullptr;
    std::vector<mamori::platform::FoundExecutable> found_;
    std::unique_ptr<SoftwareControl> control_;
    // Last, so it stops before the control goes, as the agent's does.
    mamori::agent::WorkPool work_{"mamori-work", 2};
};

TEST_F(SoftwareControlTest, EnforceHoldsEveryExecAndAllowsAnUnmodifiedPackagedProgram) {
    apply(policy(v1::ENFORCE));
    EXPECT_TRUE(watch_->started);
    EXPECT_TRUE(watch_->options().hold);
    EXPECT_EQ(watch_->options().deadline, 250ms);
    EXPECT_EQ(run(file("/usr/bin/true", kTrue, 10)), Verdict::Allow);
    EXPECT_TRUE(events(v1::SOFTWARE_UNAPPROVED_EXEC).empty());
}

TEST_F(SoftwareControlTest, EnforceRefusesAModifiedCopyOfAnApprovedProgram) {
    apply(policy(v1::ENFORCE));
    EXPECT_EQ(run(file("/usr/bin/true", kEvil, 11)), Verdict::Deny);
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].control(), v1::SOFTWARE);
    EXPECT_EQ(ev[0].rule_id(), "modified:coreutils");
    EXPECT_TRUE(ev[0].violation());
    EXPECT_EQ(ev[0].outcome(), v1::ENFORCED);
    EXPECT_EQ(ev[0].software().path(), "/usr/bin/true");
    EXPECT_EQ(ev[0].software().package(), "coreutils");
    EXPECT_EQ(ev[0].software().sha256(), sha256(kEvil));
    EXPECT_EQ(ev[0].software().uid(), 1000u);
    EXPECT_EQ(ev[0].software().pid(), 4242u);
    EXPECT_EQ(ev[0].software().parent(), "/usr/bin/bash (4000)");
}

TEST_F(SoftwareControlTest, MonitorNeverHoldsAndReportsWhatEnforceWouldRefuse) {
    apply(policy(v1::MONITOR));
    EXPECT_FALSE(watch_->options().hold);
    EXPECT_EQ(run(file("/home/suzuki/a.out", kEvil, 12)), std::nullopt);  // nothing to answer
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].rule_id(), "not-approved");
    EXPECT_EQ(ev[0].outcome(), v1::MONITORED);
    EXPECT_TRUE(ev[0].violation());
    EXPECT_EQ(ev[0].software().sha256(), sha256(kEvil));  // read after the fact, for the evidence
}

TEST_F(SoftwareControlTest, ApprovedHashAndPrefixRunAnywhere) {
    auto p = policy(v1::ENFORCE);
    p.mutable_software()->add_allowed_sha256(sha256("in-house tool"));
    apply(p);
    EXPECT_EQ(run(file("/home/suzuki/tool", "in-house tool", 13)), Verdict::Allow);
    EXPECT_EQ(run(file("/opt/juki-client/juki", "anything", 14)), Verdict::Allow);
    EXPECT_EQ(run(file("/home/suzuki/other", "other", 15)), Verdict::Deny);
    EXPECT_EQ(events(v1::SOFTWARE_UNAPPROVED_EXEC).size(), 1u);
}

TEST_F(SoftwareControlTest, RepeatedExecsReadTheFileOnceAndReportOnce) {
    apply(policy(v1::ENFORCE));
    auto ok = file("/usr/bin/true", kTrue, 16);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(run(ok), Verdict::Allow);
    EXPECT_EQ(ok->reads.load(), 1);
    auto bad = file("/home/suzuki/a.out", kEvil, 17);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(run(bad), Verdict::Deny);
    EXPECT_LE(bad->reads.load(), 1);
    EXPECT_EQ(events(v1::SOFTWARE_UNAPPROVED_EXEC).size(), 1u);
    // After the window the same finding is evidence again.
    clock_.advance(61min);
    EXPECT_EQ(run(bad), Verdict::Deny);
    EXPECT_EQ(events(v1::SOFTWARE_UNAPPROVED_EXEC).size(), 2u);
}

TEST_F(SoftwareControlTest, ConcurrentExecsOfOneFileShareOneRead) {
    apply(policy(v1::ENFORCE));
    auto f = file("/usr/bin/true", kTrue, 18);
    std::vector<uint64_t> ids;
    for (int i = 0; i < 20; ++i) ids.push_back(watch_->exec(f).id);
    settle();
    for (auto id : ids) EXPECT_EQ(watch_->verdict(id), Verdict::Allow);
    EXPECT_EQ(f->reads.load(), 1);
}

TEST_F(SoftwareControlTest, P2pProgramIsRefusedEvenUnderAllowEverything) {
    auto p = policy(v1::ENFORCE);
    p.mutable_software()->add_allowed_packages()->set_name("*");
    apply(p);
    EXPECT_EQ(run(file("/home/suzuki/bin/qbittorrent", "qbt", 19)), Verdict::Deny);
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].rule_id(), "category:p2p");
    EXPECT_EQ(ev[0].software().category(), "p2p");
}

TEST_F(SoftwareControlTest, ExceptionIsHonouredAndRecordedUntilItExpires) {
    auto p = policy(v1::ENFORCE);
    auto* e = p.add_exceptions();
    e->set_id("EX-1");
    e->set_control(v1::SOFTWARE);
    e->set_terminal("MN-012");
    e->set_software_sha256(sha256("approved for a week"));
    const int64_t now = clock_.utcNs() / 1'000'000'000;
    e->set_expires_unix(now + 3600);
    apply(p);
    auto f = file("/home/suzuki/tool", "approved for a week", 20);
    EXPECT_EQ(run(f), Verdict::Allow);
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].outcome(), v1::EXEMPTED);
    EXPECT_FALSE(ev[0].violation());
    EXPECT_EQ(ev[0].rule_id(), "exception:EX-1");
    clock_.advance(3601s);  // the agent stops honouring it by itself
    EXPECT_EQ(run(f), Verdict::Deny);
}

TEST_F(SoftwareControlTest, AnExceptionForAnotherTerminalLetsNothingRun) {
    auto p = policy(v1::ENFORCE);
    auto* e = p.add_exceptions();
    e->set_id("EX-ELSEWHERE");
    e->set_control(v1::SOFTWARE);
    e->set_terminal("MN-013");
    e->set_software_sha256(sha256("approved over there"));
    e->set_expires_unix(clock_.utcNs() / 1'000'000'000 + 3600);
    apply(p);
    EXPECT_EQ(run(file("/home/suzuki/tool", "approved over there", 22)), Verdict::Deny);
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].outcome(), v1::ENFORCED);
    EXPECT_EQ(ev[0].rule_id(), "not-approved");
}

// The user is the exec's uid, named by this machine's user database (root is uid 0 everywhere,
// nobody 65534 on Debian); the same file run by another user is judged again, not taken from the
// first user's verdict.
TEST_F(SoftwareControlTest, AnExceptionForAUserLetsOnlyThatUserRunIt) {
    auto p = policy(v1::ENFORCE);
    auto* e = p.add_exceptions();
    e->set_id("EX-ROOT");
    e->set_control(v1::SOFTWARE);
    e->set_terminal("MN-012");
    e->set_user("root");
    e->set_software_path("/opt/migration/convert");
    e->set_expires_unix(clock_.utcNs() / 1'000'000'000 + 3600);
    apply(p);
    auto f = file("/opt/migration/convert", "convert", 23);
    EXPECT_EQ(run(f, 0), Verdict::Allow);
    EXPECT_EQ(run(f, 65534), Verdict::Deny);
    EXPECT_EQ(run(f, 0), Verdict::Allow);
    auto ev = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].outcome(), v1::EXEMPTED);
    EXPECT_EQ(ev[0].rule_id(), "exception:EX-ROOT");
    EXPECT_EQ(ev[0].software().uid(), 0u);
    EXPECT_EQ(ev[1].outcome(), v1::ENFORCED);
    EXPECT_EQ(ev[1].software().uid(), 65534u);
}

TEST_F(SoftwareControlTest, LateVerdictIsReportedAsWhatHappened) {
    apply(policy(v1::ENFORCE));
    // A packaged program must be read before it is judged; the deadline passes first and the
    // platform answers with the policy's "allow".
    auto ev = watch_->exec(file("/usr/bin/true", kEvil, 21));
    watch_->expire(ev);
    settle();
    auto timeouts = events(v1::SOFTWARE_DECISION_TIMEOUT);
    ASSERT_EQ(timeouts.size(), 1u);
    EXPECT_EQ(timeouts[0].outcome(), v1::ALLOWED);
    EXPECT_EQ(timeouts[0].software().path(), "/usr/bin/true");
    auto unapproved = events(v1::SOFTWARE_UNAPPROVED_EXEC);
    ASSERT_EQ(unapproved.size(), 1u);
    EXPECT_EQ(unapproved[0].rule_id(), "modified:coreutils");
    EXPECT_EQ(unapproved[0].outcome(), v1::MONITORED);  // it ran
}

TEST_F(SoftwareControlTest, UnreadableProgramIsRefusedInEnforce) {
    apply(policy(v1::ENFORCE));
    auto f = file("/usr/bin/true", kTrue, 22);
    f->unreadable = true;
    EXPECT_EQ(run(f), Verdict::Deny);
    ASSERT_EQ(events(v1::SOFTWARE_UNAPPROVED_EXEC).size(), 1u);
    EXPECT_EQ(events(v1::SOFTWARE_UNAPPROVED_EXEC)[0].rule_id(), "unreadable");
}

TEST_F(SoftwareControlTest, InventoryReportsUnapprovedPackagesOnceAcrossRestarts) {
    apply(policy(v1::MONITOR));
    auto ev = events(v1::SOFTWARE_UNAPPROVED_INSTALLED);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].software().package(), "gimp");
    EXPECT_EQ(ev[0].rule_id(), "not-approved");
    EXPECT_EQ(ev[0].outcome(), v1::MONITORED);
    EXPECT_EQ(ev[1].software().package(), "qbittorrent");
    EXPECT_EQ(ev[1].rule_id(), "category:p2p");
    EXPECT_EQ(ev[1].software().category(), "p2p");

    make();  // the agent restarts
    apply(policy(v1::MONITOR));
    EXPECT_EQ(events(v1::SOFTWARE_UNAPPROVED_INSTALLED).size(), 2u);

    // dpkg removes gimp and upgrades qbittorrent: one removal, one new finding.
    inventory_->packages = {{"coreutils", "9.1-1", "amd64"}, {"qbittorrent", "4.6.0-1", "amd64"}};
    inventory_->changed();
    settle();
    auto removed = events(v1::SOFTWARE_REMOVED);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].software().package(), "gimp");
    EXPECT_FALSE(removed[0].violation());
    ev = events(v1::SOFTWARE_UNAPPROVED_INSTALLED);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[2].software().version(), "4.6.0-1");
}

TEST_F(SoftwareControlTest, PackageChangesReloadOffTheReactorAndCoalesce) {
    apply(policy(v1::MONITOR));
    const int before = inventory_->loads.load();
    for (int i = 0; i < 10; ++i) inventory_->changed();
    settle();
    EXPECT_GE(inventory_->loads.load(), before + 1);
    EXPECT_LE(inventory_->loads.load(), before + 2);
}

TEST_F(SoftwareControlTest, UnmanagedExecutablesInScanPathsAreReported) {
    const auto home = probe_.dir() / "home";
    std::filesystem::create_directories(home / "suzuki");
    auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream(home / "suzuki" / name) << content;
        return (home / "suzuki" / name).string();
    };
    const auto download = write("setup.bin", "downloaded");
    const auto approved = write("juki-helper", "approved helper");
    const auto torrent = write("qbittorrent", "qbt");
    found_ = {{download, {1, 1, 10, 1, 1}, 1000}, {approved, {1, 2, 15, 1, 1}, 1000}, {torrent, {1, 3, 3, 1, 1}, 1000},
              {"/usr/bin/true", {1, 4, 8, 1, 1}, 0}};  // scan roots filter this one out anyway
    make();
    auto p = policy(v1::MONITOR);
    p.mutable_software()->add_scan_paths(home.string());
    p.mutable_software()->add_allowed_sha256(sha256("approved helper"));
    apply(p);
    auto ev = events(v1::SOFTWARE_UNMANAGED_EXECUTABLE);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].software().path(), download);
    EXPECT_EQ(ev[0].software().sha256(), sha256("downloaded"));
    EXPECT_EQ(ev[0].software().uid(), 1000u);
    EXPECT_EQ(ev[1].software().category(), "p2p");
    // A second apply (a new policy version) does not repeat them.
    apply(p);
    EXPECT_EQ(events(v1::SOFTWARE_UNMANAGED_EXECUTABLE).size(), 2u);
}

TEST_F(SoftwareControlTest, RefusesAPolicyItCouldNotHonour) {
    auto p = policy(v1::ENFORCE);
    p.mutable_software()->add_allowed_packages()->set_name("firefox-esr");
    p.mutable_software()->mutable_allowed_packages()->rbegin()->set_version("latest");
    std::string why;
    EXPECT_FALSE(control_->check(p, why));
    EXPECT_NE(why.find("firefox-esr"), std::string::npos);
    EXPECT_FALSE(watch_->started);  // check changes nothing
}

// agent.conf's software_control = off leaves the terminal without the control the policy asks
// for: a standing violation, reported once when it begins and once when it ends.
TEST_F(SoftwareControlTest, OffInTheConfigurationIsReportedOnceAcrossAppliesAndRestarts) {
    config_.software_control = false;
    config_.file = "/etc/mamori/agent.conf";
    apply(policy(v1::ENFORCE));
    EXPECT_FALSE(watch_->started);
    auto all = probe_.events();
    ASSERT_EQ(all.size(), 1u);  // nothing else: no inventory, no watch
    const auto& off = all[0];
    EXPECT_EQ(off.type(), v1::CONTROL_DISABLED_LOCALLY);
    EXPECT_EQ(off.control(), v1::SOFTWARE);
    EXPECT_TRUE(off.violation());
    EXPECT_EQ(off.outcome(), v1::REPORTED);
    EXPECT_EQ(off.rule_id(), "software_control");
    EXPECT_EQ(off.agent().reason(), "software_control = off in /etc/mamori/agent.conf");

    apply(policy(v1::MONITOR));  // a new policy: still off, not reported again
    make();                      // the agent restarts with the same agent.conf
    apply(policy(v1::ENFORCE));
    EXPECT_EQ(probe_.events().size(), 1u);
    EXPECT_FALSE(watch_->started);
}

TEST_F(SoftwareControlTest, OnAgainInTheConfigurationIsReportedRestoredOnce) {
    config_.software_control = false;
    apply(policy(v1::ENFORCE));
    ASSERT_EQ(events(v1::CONTROL_DISABLED_LOCALLY).size(), 1u);

    config_.software_control = true;  // agent.conf edited, the agent restarted
    make();
    apply(policy(v1::ENFORCE));
    EXPECT_TRUE(watch_->started);
    auto restored = events(v1::CONTROL_RESTORED_LOCALLY);
    ASSERT_EQ(restored.size(), 1u);
    EXPECT_EQ(restored[0].control(), v1::SOFTWARE);
    EXPECT_FALSE(restored[0].violation());
    EXPECT_NE(restored[0].agent().reason().find("software_control = on"), std::string::npos);

    make();
    apply(policy(v1::ENFORCE));
    EXPECT_EQ(events(v1::CONTROL_RESTORED_LOCALLY).size(), 1u);
    EXPECT_EQ(events(v1::CONTROL_DISABLED_LOCALLY).size(), 1u);
}

TEST_F(SoftwareControlTest, NeverOffIsNeverReportedRestored) {
    apply(policy(v1::ENFORCE));
    EXPECT_TRUE(events(v1::CONTROL_RESTORED_LOCALLY).empty());
    EXPECT_TRUE(events(v1::CONTROL_DISABLED_LOCALLY).empty());
}

// Enforce cannot undo an installed package: it is reported, not enforced. Approved later, it is
// reported approved once and leaves the ledger; unapproved again, it is reported again.
TEST_F(SoftwareControlTest, UnapprovedPackageIsReportedAndLaterApprovedOnce) {
    apply(policy(v1::ENFORCE));
    auto ev = events(v1::SOFTWARE_UNAPPROVED_INSTALLED);
    ASSERT_EQ(ev.size(), 2u);
    for (const auto& e : ev) {
        EXPECT_EQ(e.outcome(), v1::REPORTED);
        EXPECT_TRUE(e.violation());
    }

    auto approving = policy(v1::ENFORCE);
    approving.mutable_software()->add_allowed_packages()->set_name("gimp");
    apply(approving);
    auto approved = events(v1::SOFTWARE_APPROVED);
    ASSERT_EQ(approved.size(), 1u);
    EXPECT_EQ(approved[0].software().package(), "gimp");
    EXPECT_EQ(approved[0].software().version(), "2.10.34-1");
    EXPECT_FALSE(approved[0].violation());
    EXPECT_EQ(approved[0].outcome(), v1::ALLOWED);
    EXPECT_TRUE(events(v1::SOFTWARE_REMOVED).empty());

    make();  // the agent restarts: nothing is repeated
    apply(approving);
    EXPECT_EQ(events(v1::SOFTWARE_APPROVED).size(), 1u);
    EXPECT_EQ(events(v1::SOFTWARE_UNAPPROVED_INSTALLED).size(), 2u);

    apply(policy(v1::ENFORCE));  // approval withdrawn
    ev = events(v1::SOFTWARE_UNAPPROVED_INSTALLED);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[2].software().package(), "gimp");

    for (const auto& e : probe_.events()) EXPECT_EQ(e.control(), v1::SOFTWARE) << v1::EventType_Name(e.type());
}

// The ledger of what was reported is an earlier agent's file, read as it always was.
TEST_F(SoftwareControlTest, LedgerOfAnEarlierAgentIsKept) {
    std::filesystem::create_directories(config_.state_dir);
    std::ofstream(config_.state_dir / "software-reported") << "gimp 2.10.34-1\nqbittorrent 4.5.2-3\nold-tool 1.0\n";
    make();
    apply(policy(v1::MONITOR));
    EXPECT_TRUE(events(v1::SOFTWARE_UNAPPROVED_INSTALLED).empty());
    auto removed = events(v1::SOFTWARE_REMOVED);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].software().package(), "old-tool");
    EXPECT_EQ(removed[0].control(), v1::SOFTWARE);
}

}  // namespace

TEST_F(SoftwareControlTest, OnlyProgramsAllowedForGoodAreLeftToTheWatchAndANewPolicyTakesThemBack) {
    auto p = policy(v1::ENFORCE);
    auto* e = p.add_exceptions();
    e->set_id("EX-2");
    e->set_control(v1::SOFTWARE);
    e->set_terminal("MN-012");
    e->set_software_sha256(sha256("approved for an hour"));
    e->set_expires_unix(clock_.utcNs() / 1'000'000'000 + 3600);
    apply(p);
    auto approved = file("/usr/bin/true", kTrue, 30);
    EXPECT_EQ(run(approved), Verdict::Allow);
    ASSERT_EQ(watch_->trusted.size(), 1u);
    EXPECT_EQ(watch_->trusted[0], approved->identity());
    EXPECT_EQ(run(file("/usr/bin/true", kEvil, 31)), Verdict::Deny);              // refused: never trusted
    EXPECT_EQ(run(file("/home/suzuki/tool", "approved for an hour", 32)), Verdict::Allow);  // expires: judged each time
    EXPECT_EQ(watch_->trusted.size(), 1u);
    apply(policy(v1::MONITOR));
    EXPECT_TRUE(watch_->trusted.empty());
}
