#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/ExceptionScope.h"
#include "agent/FileDigests.h"
#include "agent/SoftwareCategory.h"
#include "agent/VersionConstraint.h"
#include "mamori/platform/InstalledSoftware.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::agent {

// What the rules know about one program when asked about it.
struct ExecFacts {
    std::string_view path;
    const mamori::platform::SoftwarePackage* owner = nullptr;  // the package that lists path
    const FileDigests* digests = nullptr;                       // null until the file was read
    std::optional<std::string> packaged_md5{};                  // what the owner recorded for path
    int64_t now_unix = 0;                                       // for exception expiry
    // Who runs it (the exec's uid, or a found file's owner, by name), for exceptions limited to
    // one user; only needed when userScoped(), nullopt when unknown.
    std::optional<std::string> user{};
    // false for a path named by whoever started the program in a mount namespace of their own:
    // anyone can mount a filesystem at an approved prefix there, so no rule by path applies.
    bool path_trusted = true;
};

struct ExecDecision {
    enum class Kind { Allowed, Denied, NeedsDigests };
    Kind kind = Kind::Denied;
    std::string rule;      // the rule that decided, reported as the event's rule_id
    std::string category;  // the denied category that matched, if any
    bool exempted = false;       // allowed by an approved exception (例外措置)
    int64_t valid_until_unix = 0;  // an exemption ends with its exception; 0 = no end

    bool allowed() const { return kind == Kind::Allowed; }
};

struct PackageVerdict {
    bool approved = false;
    std::string rule;
    std::string category;
};

// A software policy compiled for fast questions: is this installed package approved, and may
// this program run. Pure logic; it reads no file itself.
//
// A program may run when (REQUIREMENTS §3): its SHA-256 is approved or excepted; or its path is
// under an approved prefix; or an approved package owns it and its bytes are still the ones
// the package installed. A denied category (p2p) overrides prefixes and packages: only an
// administrator's approval of those exact bytes lets such a program run.
//
// An exception (例外措置) applies only where ExceptionScope says so: to this terminal or its
// group, before it expires, and to its user's programs when it names one. One by SHA-256 lets
// those bytes run, even in a denied category; one by path lets the program at that path run
// where it would otherwise be unapproved, but never one in a denied category or a packaged
// program whose bytes are not the package's (the approval was for a program, not for a change).
class SoftwareRules {
public:
    SoftwareRules() = default;
    SoftwareRules(const mamori::v1::SoftwarePolicy& policy,
                  const google::protobuf::RepeatedPtrField<mamori::v1::PolicyException>& exceptions,
                  ExceptionScope scope);

    // Everything apply() relies on, checked before anything changes.
    static bool validate(const mamori::v1::SoftwarePolicy& policy, std::string& why);

    bool enforcing() const { return enforcing_; }
    // Some exception here is limited to one user: decisions then depend on who runs a program.
    bool userScoped() const { return user_scoped_; }
    PackageVerdict package(const mamori::platform::SoftwarePackage& p) const;
    ExecDecision exec(const ExecFacts& facts) const;
    // The denied category a program falls in by its owning package or its file name.
    const SoftwareCategory* categoryOf(const mamori::platform::SoftwarePackage* owner, std::string_view path) const;

private:
    struct PackagePattern {
        std::string glob;
        std::optional<VersionConstraint> version;
    };
    struct Exemption {
        mamori::v1::PolicyException exception;
        std::string sha256;  // lowercase; empty for one by path
    };
    bool packageAllowed(const mamori::platform::SoftwarePackage& p, std::string* rule) const;
    const std::string* pathPrefix(std::string_view path) const;
    const Exemption* exemption(const ExecFacts& f, bool by_sha256) const;
    static ExecDecision exempted(const Exemption& e);

    bool enforcing_ = false;
    std::vector<PackagePattern> packages_;
    std::vector<std::string> sha256_;  // sorted
    std::vector<std::string> prefixes_;
    std::vector<const SoftwareCategory*> denied_;
    std::vector<Exemption> exemptions_;  // those addressed to this terminal
    ExceptionScope scope_;
    bool user_scoped_ = false;
    bool sha256_exemptions_ = false;
};

}  // namespace mamori::agent
