// Package patterns as administrators write them: globs and Debian version constraints.
#include <gtest/gtest.h>

#include "agent/Glob.h"
#include "agent/SoftwareRules.h"
#include "agent/VersionConstraint.h"

namespace {

using mamori::agent::Glob;
using mamori::agent::SoftwareRules;
using mamori::agent::VersionConstraint;
using mamori::platform::SoftwarePackage;
namespace v1 = mamori::v1;

TEST(Glob, MatchesShellWildcards) {
    EXPECT_TRUE(Glob::match("*", ""));
    EXPECT_TRUE(Glob::match("*", "anything"));
    EXPECT_TRUE(Glob::match("libreoffice-*", "libreoffice-calc"));
    EXPECT_FALSE(Glob::match("libreoffice-*", "libreoffice"));
    EXPECT_TRUE(Glob::match("lib*", "lib"));
    EXPECT_TRUE(Glob::match("python3.1?", "python3.11"));
    EXPECT_FALSE(Glob::match("python3.1?", "python3.1"));
    EXPECT_TRUE(Glob::match("fonts-[in]*", "fonts-ipafont"));
    EXPECT_TRUE(Glob::match("fonts-[a-j]*", "fonts-ipafont"));
    EXPECT_FALSE(Glob::match("fonts-[!i]*", "fonts-ipafont"));
    EXPECT_TRUE(Glob::match("*-dev", "libssl-dev"));
    EXPECT_TRUE(Glob::match("*x*y*", "axbxcy"));
    EXPECT_FALSE(Glob::match("*x*y*", "axbxc"));
    EXPECT_FALSE(Glob::match("bash", "bash-completion"));
    // An unclosed bracket is an ordinary character.
    EXPECT_TRUE(Glob::match("a[b", "a[b"));
    EXPECT_FALSE(Glob::match("a[b", "ab"));
}

TEST(Glob, StaysLinearOnHostilePatterns) {
    const std::string text(5000, 'a');
    EXPECT_FALSE(Glob::match("*a*a*a*a*a*a*a*a*a*a*a*b", text));
}

TEST(VersionConstraint, ParsesTheFiveOperators) {
    EXPECT_EQ(VersionConstraint::parse(">= 7.4")->str(), ">= 7.4");
    EXPECT_EQ(VersionConstraint::parse("<<2:1.0-1")->str(), "<< 2:1.0-1");
    EXPECT_TRUE(VersionConstraint::parse("= 1.0"));
    EXPECT_TRUE(VersionConstraint::parse("<= 1.0"));
    EXPECT_TRUE(VersionConstraint::parse(">> 1.0"));
    for (const char* bad : {"7.4", "> 7.4", "=> 7.4", ">=", ">= ", ">= 7 4", "~ 1"}) {
        EXPECT_FALSE(VersionConstraint::parse(bad)) << bad;
    }
}

TEST(VersionConstraint, ComparesWithDpkgRules) {
    auto c = *VersionConstraint::parse(">= 7.4");
    EXPECT_TRUE(c.satisfiedBy("7.4.7-1+deb12u5"));
    EXPECT_TRUE(c.satisfiedBy("7.4"));
    EXPECT_FALSE(c.satisfiedBy("7.4~rc1"));
    EXPECT_FALSE(c.satisfiedBy("7.3.9"));
    EXPECT_FALSE(c.satisfiedBy("not a version"));  // satisfies nothing, rather than everything
    EXPECT_TRUE(VersionConstraint::parse("<< 1.0")->satisfiedBy("1.0~beta"));
    EXPECT_FALSE(VersionConstraint::parse(">> 1.0")->satisfiedBy("1.0-0"));
    EXPECT_TRUE(VersionConstraint::parse("= 1.0")->satisfiedBy("0:1.0-0"));
}

v1::SoftwarePolicy allow(std::initializer_list<std::pair<const char*, const char*>> rules) {
    v1::SoftwarePolicy p;
    for (auto [name, version] : rules) {
        auto* r = p.add_allowed_packages();
        r->set_name(name);
        r->set_version(version);
    }
    p.add_denied_categories("p2p");
    return p;
}

TEST(SoftwareRulesPackages, GlobAndVersionMustBothHold) {
    SoftwareRules rules(allow({{"libreoffice-*", ">= 7.4"}, {"firefox-esr", ">= 115"}, {"bash", ""}}), {}, {});
    EXPECT_TRUE(rules.package({"libreoffice-calc", "4:7.4.7-1+deb12u5", "amd64"}).approved);
    EXPECT_FALSE(rules.package({"firefox-esr", "102.15.0esr-1", "amd64"}).approved);  // past vendor support (004:951)
    auto v = rules.package({"firefox-esr", "115.9.0esr-1~deb12u1", "amd64"});
    EXPECT_TRUE(v.approved);
    EXPECT_EQ(v.rule, "allowed_packages:firefox-esr >= 115");
    EXPECT_TRUE(rules.package({"bash", "5.2.15-2+b7", "amd64"}).approved);
    v = rules.package({"gimp", "2.10.34-1", "amd64"});
    EXPECT_FALSE(v.approved);
    EXPECT_EQ(v.rule, "not-approved");
}

TEST(SoftwareRulesPackages, ArchitectureQualifiedPatterns) {
    SoftwareRules rules(allow({{"libc6:amd64", ""}}), {}, {});
    EXPECT_TRUE(rules.package({"libc6", "2.36-9", "amd64"}).approved);
    EXPECT_FALSE(rules.package({"libc6", "2.36-9", "i386"}).approved);
}

TEST(SoftwareRulesPackages, P2pIsDeniedEvenWhenEverythingIsAllowed) {
    SoftwareRules rules(allow({{"*", ""}}), {}, {});
    auto v = rules.package({"qbittorrent", "4.5.2-3", "amd64"});
    EXPECT_FALSE(v.approved);
    EXPECT_EQ(v.rule, "category:p2p");
    EXPECT_EQ(v.category, "p2p");
    EXPECT_TRUE(rules.package({"transmission-common", "3.00-2.1", "all"}).approved == false);
    EXPECT_TRUE(rules.package({"libtorrent-rasterbar2.0", "2.0.8-1", "amd64"}).approved);  // a library is not a client
}

TEST(SoftwareRulesPackages, ValidateRefusesWhatApplyCouldNotHonour) {
    std::string why;
    EXPECT_TRUE(SoftwareRules::validate(allow({{"libreoffice-*", ">= 7.4"}}), why)) << why;
    EXPECT_FALSE(SoftwareRules::validate(allow({{"gimp", "newest"}}), why));
    EXPECT_NE(why.find("gimp"), std::string::npos);
    v1::SoftwarePolicy p;
    p.add_allowed_sha256("xyz");
    EXPECT_FALSE(SoftwareRules::validate(p, why));
    v1::SoftwarePolicy q;
    q.add_denied_categories("games");
    EXPECT_FALSE(SoftwareRules::validate(q, why));
    v1::SoftwarePolicy r;
    r.add_watch_mounts("home");
    EXPECT_FALSE(SoftwareRules::validate(r, why));
}

}  // namespace
