#include "mamori/platform/DpkgStatus.h"

#include <gtest/gtest.h>

#include "mamori/platform/InstalledSoftware.h"

namespace {

using mamori::platform::DpkgStatus;
using mamori::platform::InstalledSoftware;

constexpr const char* kStatus = R"(Package: adduser
Status: install ok installed
Priority: important
Architecture: all
Version: 3.134
Description: add and remove users and groups
 This package includes the 'adduser' and 'deluser' commands.
 .
 A continuation line: with a colon.

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4

Package: oldthing
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: gone
Status: purge ok not-installed
Architecture: amd64

Package: halfway
Status: install reinstreq half-installed
Architecture: amd64
Version: 0.9-1
)";

TEST(DpkgStatus, ReadsInstalledPackages) {
    auto parsed = DpkgStatus::parse(kStatus);
    ASSERT_EQ(parsed.installed.size(), 3u);
    EXPECT_EQ(parsed.malformed, 0u);
    EXPECT_EQ(parsed.installed[0].name, "adduser");
    EXPECT_EQ(parsed.installed[0].version, "3.134");
    EXPECT_EQ(parsed.installed[0].architecture, "all");
    EXPECT_EQ(parsed.installed[1].name, "libc6");
    EXPECT_EQ(parsed.installed[1].version, "2.36-9+deb12u4");
    // Its files may be half on disk, and what is on disk can run.
    EXPECT_EQ(parsed.installed[2].name, "halfway");
}

TEST(DpkgStatus, ToleratesCrLfCaseAndMissingFinalNewline) {
    auto parsed = DpkgStatus::parse("package: a\r\nSTATUS: install ok installed\r\nversion: 1\r\n\r\nPackage: b\n"
                                    "Status: install ok installed\nVersion: 2");
    ASSERT_EQ(parsed.installed.size(), 2u);
    EXPECT_EQ(parsed.installed[0].name, "a");
    EXPECT_EQ(parsed.installed[1].version, "2");
}

TEST(DpkgStatus, SkipsAndCountsMalformedStanzas) {
    auto parsed = DpkgStatus::parse(
        "Status: install ok installed\nVersion: 1\n\n"                          // no Package
        "Package: a\nVersion: 1\n\n"                                             // no Status
        "Package: b\nStatus: install ok\nVersion: 1\n\n"                         // two-word Status
        "Package: c\nStatus: install ok installed\n\n"                          // installed, no Version
        "Package: d\nthis line has no colon\nStatus: install ok installed\nVersion: 1\n\n"
        "Package: e\nStatus: install ok installed\nVersion: 1\nPackage: f\n\n"  // lost blank line
        "Package: has space\nStatus: install ok installed\nVersion: 1\n\n"
        ": empty name\n\n"
        "Package: good\nStatus: install ok installed\nVersion: 1.0\n");
    ASSERT_EQ(parsed.installed.size(), 1u);
    EXPECT_EQ(parsed.installed[0].name, "good");
    EXPECT_EQ(parsed.malformed, 8u);
}

TEST(DpkgStatus, EmptyAndBlankInput) {
    EXPECT_TRUE(DpkgStatus::parse("").installed.empty());
    auto parsed = DpkgStatus::parse("\n\n \n\t\n");
    EXPECT_TRUE(parsed.installed.empty());
    EXPECT_EQ(parsed.malformed, 0u);
}

TEST(InstalledSoftware, FindsOwnersUnderEitherMergedUsrSpelling) {
    auto key = &InstalledSoftware::pathKey;
    InstalledSoftware s({{"coreutils", "9.1-1", "amd64"}, {"bash", "5.2.15-2+b7", "amd64"}},
                        {{key("/bin/true"), 0}, {key("/usr/bin/bash"), 1}, {key("/usr/share/doc/bash"), 1}});
    auto o = s.owner("/usr/bin/true");  // what the kernel reports on a merged-/usr system
    ASSERT_TRUE(o.package);
    EXPECT_EQ(o.package->name, "coreutils");
    EXPECT_EQ(o.listed_path, "/bin/true");  // what dpkg's md5sums name
    o = s.owner("/bin/bash");
    ASSERT_TRUE(o.package);
    EXPECT_EQ(o.listed_path, "/usr/bin/bash");
    EXPECT_FALSE(s.owner("/usr/local/bin/true").package);
    EXPECT_FALSE(s.owner("/usr/share/true").package);
    EXPECT_FALSE(s.owner("").package);
    EXPECT_FALSE(s.owner("bin/true").package);
    EXPECT_EQ(s.find("bash")->version, "5.2.15-2+b7");
    EXPECT_EQ(s.find("zsh"), nullptr);
}

TEST(InstalledSoftware, ThePackageListedFirstOwnsASharedPath) {
    auto key = &InstalledSoftware::pathKey;
    InstalledSoftware s({{"a", "1", "all"}, {"b", "1", "all"}, {"c", "1", "all"}},
                        {{key("/usr/share/doc"), 1}, {key("/usr/bin/x"), 2}, {key("/usr/share/doc"), 0}});
    EXPECT_EQ(s.owner("/usr/share/doc").package->name, "b");
    EXPECT_EQ(s.owner("/usr/bin/x").package->name, "c");
    EXPECT_NE(key("/usr/bin/x"), key("/usr/bin/y"));
}

TEST(InstalledSoftware, FindsAPackageByItsWholeNameTheOneListedFirstAmongTwoArchitectures) {
    InstalledSoftware s({{"libc6", "2.36-9", "amd64"},
                         {"zlib1g", "1.2.13", "amd64"},
                         {"lib", "1", "all"},
                         {"libc6", "2.36-9", "i386"},
                         {"libc6-dev", "2.36-9", "amd64"}},
                        {});
    ASSERT_NE(s.find("libc6"), nullptr);
    EXPECT_EQ(s.find("libc6")->architecture, "amd64");
    EXPECT_EQ(s.find("lib")->version, "1");
    EXPECT_EQ(s.find("libc6-dev")->name, "libc6-dev");
    EXPECT_EQ(s.find("zlib1g")->name, "zlib1g");
    for (const char* absent : {"", "li", "libc", "libc6-", "zzz", "a"}) EXPECT_EQ(s.find(absent), nullptr) << absent;
    EXPECT_EQ(InstalledSoftware().find("libc6"), nullptr);
}

}  // namespace
