// Which programs may run: the decision table of REQUIREMENTS §3, without any file or kernel.
#include "agent/SoftwareRules.h"

#include <gtest/gtest.h>

namespace {

using mamori::agent::ExecDecision;
using mamori::agent::ExecFacts;
using mamori::agent::FileDigests;
using mamori::agent::SoftwareRules;
using mamori::platform::SoftwarePackage;
using Kind = ExecDecision::Kind;
namespace v1 = mamori::v1;

const std::string kShaA(64, 'a');
const std::string kShaB(64, 'b');
const SoftwarePackage kCoreutils{"coreutils", "9.1-1", "amd64"};
const SoftwarePackage kGimp{"gimp", "2.10.34-1", "amd64"};
const SoftwarePackage kTransmission{"transmission-gtk", "3.00-2.1", "amd64"};

struct SoftwareRulesExec : ::testing::Test {
    v1::Policy policy;
    SoftwareRulesExec() {
        auto* s = policy.mutable_software();
        s->set_mode(v1::ENFORCE);
        s->add_allowed_packages()->set_name("coreutils");
        s->add_allowed_packages()->set_name("transmission-*");  // a glob that also catches a P2P client
        s->add_allowed_path_prefixes("/opt/juki-client/");
        s->add_denied_categories("p2p");
    }
    // This terminal: MN-012, in group 税務課.
    SoftwareRules rules() const {
        return SoftwareRules(policy.software(), policy.exceptions(), mamori::agent::ExceptionScope("MN-012", "税務課"));
    }
    v1::PolicyException& exception(const std::string& id) {
        auto* e = policy.add_exceptions();
        e->set_id(id);
        e->set_control(v1::SOFTWARE);
        e->set_terminal("MN-012");
        e->set_expires_unix(2000);
        return *e;
    }
};

TEST_F(SoftwareRulesExec, PackagedProgramMustBeUnmodified) {
    auto r = rules();
    ExecFacts f{"/usr/bin/true", &kCoreutils};
    EXPECT_EQ(r.exec(f).kind, Kind::NeedsDigests);  // cannot tell before reading it
    FileDigests d{"7a52c94ace40d9c052cf40f3541637c3", kShaA};
    f.digests = &d;
    f.packaged_md5 = "7a52c94ace40d9c052cf40f3541637c3";
    auto ok = r.exec(f);
    EXPECT_EQ(ok.kind, Kind::Allowed);
    EXPECT_EQ(ok.rule, "package:coreutils");
    f.packaged_md5 = "00000000000000000000000000000000";
    auto bad = r.exec(f);
    EXPECT_EQ(bad.kind, Kind::Denied);
    EXPECT_EQ(bad.rule, "modified:coreutils");
    f.packaged_md5.reset();
    EXPECT_EQ(r.exec(f).rule, "unverifiable:coreutils");
}

TEST_F(SoftwareRulesExec, PathPrefixNeedsNoRead) {
    auto d = rules().exec({"/opt/juki-client/bin/juki"});
    EXPECT_EQ(d.kind, Kind::Allowed);
    EXPECT_EQ(d.rule, "path:/opt/juki-client/");
    // A prefix is a directory, not a string prefix.
    EXPECT_EQ(rules().exec({"/opt/juki-client-evil/x"}).kind, Kind::Denied);
}

TEST_F(SoftwareRulesExec, UnownedAndUnapprovedPackagesAreDenied) {
    auto r = rules();
    auto d = r.exec({"/home/suzuki/a.out"});
    EXPECT_EQ(d.kind, Kind::Denied);  // no SHA-256 rules: nothing to read for
    EXPECT_EQ(d.rule, "not-approved");
    d = r.exec({"/usr/bin/gimp", &kGimp});
    EXPECT_EQ(d.rule, "package-not-approved:gimp");
}

TEST_F(SoftwareRulesExec, Sha256ApprovalAllowsAnywhere) {
    policy.mutable_software()->add_allowed_sha256(kShaA);
    auto r = rules();
    ExecFacts f{"/home/suzuki/tool"};
    EXPECT_EQ(r.exec(f).kind, Kind::NeedsDigests);
    FileDigests a{"m", kShaA}, b{"m", kShaB};
    f.digests = &a;
    EXPECT_EQ(r.exec(f).rule, "allowed_sha256");
    f.digests = &b;
    EXPECT_EQ(r.exec(f).kind, Kind::Denied);
}

TEST_F(SoftwareRulesExec, P2pOverridesPackagesAndPrefixesButNotAnApprovedHash) {
    auto r = rules();
    auto d = r.exec({"/usr/bin/transmission-gtk", &kTransmission});
    EXPECT_EQ(d.kind, Kind::Denied);
    EXPECT_EQ(d.rule, "category:p2p");
    EXPECT_EQ(d.category, "p2p");
    // By program name, wherever it was copied, in any spelling.
    EXPECT_EQ(r.exec({"/opt/juki-client/qbittorrent"}).rule, "category:p2p");
    EXPECT_EQ(r.exec({"/home/suzuki/.wine/drive_c/Winny/Winny.exe"}).category, "p2p");
    policy.mutable_software()->add_allowed_sha256(kShaA);
    FileDigests a{"m", kShaA};
    EXPECT_EQ(rules().exec({"/home/suzuki/qbittorrent", nullptr, &a}).kind, Kind::Allowed);
}

TEST_F(SoftwareRulesExec, ExceptionsAllowUntilTheyExpire) {
    exception("EX-7").set_software_sha256(std::string(64, 'C'));  // any case
    auto* usb = policy.add_exceptions();  // another control's exception changes nothing here
    usb->set_control(v1::USB);
    usb->set_terminal("MN-012");
    usb->set_expires_unix(2000);
    usb->set_software_sha256(kShaB);
    auto r = rules();
    FileDigests c{"m", std::string(64, 'c')};
    ExecFacts f{"/home/suzuki/tool", nullptr, &c, std::nullopt, 1999};
    auto d = r.exec(f);
    EXPECT_EQ(d.kind, Kind::Allowed);
    EXPECT_TRUE(d.exempted);
    EXPECT_EQ(d.rule, "exception:EX-7");
    EXPECT_EQ(d.valid_until_unix, 2000);
    f.now_unix = 2000;
    EXPECT_EQ(r.exec(f).kind, Kind::Denied);
    FileDigests b{"m", kShaB};
    f.digests = &b;
    f.now_unix = 0;
    EXPECT_EQ(r.exec(f).kind, Kind::Denied);
}

TEST_F(SoftwareRulesExec, OnlyExceptionsForThisTerminalOrItsGroupApply) {
    exception("EX-OTHER-TERMINAL").set_software_sha256(kShaA);
    policy.mutable_exceptions()->rbegin()->set_terminal("MN-013");
    auto& other_group = exception("EX-OTHER-GROUP");
    other_group.set_software_sha256(kShaB);
    other_group.clear_terminal();
    other_group.set_group("市民課");
    auto& unscoped = exception("EX-NOWHERE");
    unscoped.set_software_sha256(std::string(64, 'd'));
    unscoped.clear_terminal();
    auto r = rules();
    for (const char c : {'a', 'b', 'd'}) {
        FileDigests digests{"m", std::string(64, c)};
        const auto d = r.exec({"/home/suzuki/tool", nullptr, &digests, std::nullopt, 1000});
        EXPECT_EQ(d.kind, Kind::Denied) << c;
        EXPECT_EQ(d.rule, "not-approved") << c;
    }
    auto& mine = exception("EX-ZEIMU");
    mine.set_software_sha256(kShaB);
    mine.clear_terminal();
    mine.set_group("税務課");
    FileDigests b{"m", kShaB};
    EXPECT_EQ(rules().exec({"/home/suzuki/tool", nullptr, &b, std::nullopt, 1000}).rule, "exception:EX-ZEIMU");
}

TEST_F(SoftwareRulesExec, AnExceptionByPathAllowsThatProgramWhereItWouldBeUnapproved) {
    exception("EX-PATH").set_software_path("/opt/migration/convert");
    auto r = rules();
    // No content rule: decided without reading the file.
    auto d = r.exec({"/opt/migration/convert", nullptr, nullptr, std::nullopt, 1000});
    EXPECT_EQ(d.kind, Kind::Allowed);
    EXPECT_TRUE(d.exempted);
    EXPECT_EQ(d.rule, "exception:EX-PATH");
    EXPECT_EQ(d.valid_until_unix, 2000);
    EXPECT_EQ(r.exec({"/opt/migration/convert2", nullptr, nullptr, std::nullopt, 1000}).kind, Kind::Denied);
    EXPECT_EQ(r.exec({"/opt/migration/convert", nullptr, nullptr, std::nullopt, 2000}).kind, Kind::Denied);
    // An unapproved package's program at that path: the exception is what lets it run.
    const SoftwarePackage kTool{"migration-tool", "1.0", "amd64"};
    EXPECT_TRUE(r.exec({"/opt/migration/convert", &kTool, nullptr, std::nullopt, 1000}).exempted);
}

TEST_F(SoftwareRulesExec, AnExceptionByPathNeverOverridesACategoryOrAModifiedPackage) {
    exception("EX-P2P").set_software_path("/home/suzuki/qbittorrent");
    exception("EX-TRUE").set_software_path("/usr/bin/true");
    auto r = rules();
    EXPECT_EQ(r.exec({"/home/suzuki/qbittorrent", nullptr, nullptr, std::nullopt, 1000}).rule, "category:p2p");
    FileDigests d{"7a52c94ace40d9c052cf40f3541637c3", kShaA};
    ExecFacts f{"/usr/bin/true", &kCoreutils, &d, std::string("00000000000000000000000000000000"), 1000};
    EXPECT_EQ(r.exec(f).rule, "modified:coreutils");
}

TEST_F(SoftwareRulesExec, AnExceptionForAUserAppliesOnlyToThatUsersPrograms) {
    EXPECT_FALSE(rules().userScoped());
    auto& e = exception("EX-TANAKA");
    e.set_software_sha256(kShaA);
    e.set_user("tanaka");
    auto r = rules();
    EXPECT_TRUE(r.userScoped());
    FileDigests a{"m", kShaA};
    ExecFacts f{"/home/tanaka/tool", nullptr, &a, std::nullopt, 1000, std::string("tanaka")};
    EXPECT_EQ(r.exec(f).rule, "exception:EX-TANAKA");
    f.user = "suzuki";
    EXPECT_EQ(r.exec(f).kind, Kind::Denied);
    f.user.reset();  // nobody known: not covered
    EXPECT_EQ(r.exec(f).kind, Kind::Denied);
}

}  // namespace

// A program started from a mount in a namespace of the user's own shows whatever path the user
// chose: no prefix or exception by path may approve it; its bytes still can.
TEST_F(SoftwareRulesExec, APathNamedByTheProgramsOwnNamespaceApprovesNothing) {
    exception("EX-PATH").set_software_path("/opt/migration/convert");
    policy.mutable_software()->add_allowed_sha256(kShaA);
    auto r = rules();
    ExecFacts prefixed{"/opt/juki-client/bin/juki"};
    prefixed.path_trusted = false;
    EXPECT_EQ(r.exec(prefixed).kind, Kind::NeedsDigests);  // only its bytes can approve it now
    FileDigests b{"m", kShaB};
    prefixed.digests = &b;
    EXPECT_EQ(r.exec(prefixed).rule, "not-approved");
    ExecFacts excepted{"/opt/migration/convert", nullptr, &b, std::nullopt, 1000};
    excepted.path_trusted = false;
    EXPECT_EQ(r.exec(excepted).rule, "not-approved");
    FileDigests a{"m", kShaA};
    excepted.digests = &a;
    EXPECT_EQ(r.exec(excepted).rule, "allowed_sha256");
    // The package's own bytes are approved wherever they run.
    FileDigests d{"7a52c94ace40d9c052cf40f3541637c3", kShaB};
    ExecFacts packaged{"/usr/bin/true", &kCoreutils, &d, std::string("7a52c94ace40d9c052cf40f3541637c3"), 1000};
    packaged.path_trusted = false;
    EXPECT_EQ(r.exec(packaged).rule, "package:coreutils");
}
