#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
class SoftwareRules {
public:
    SoftwareRules() = default;
    SoftwareRules(const mamori::v1::SoftwarePolicy& policy,
                  const google::protobuf::RepeatedPtrField<mamori::v1::PolicyException>& exceptions);

    // Everything apply() relies on, checked before anything changes.
    static bool validate(const mamori::v1::SoftwarePolicy& policy, std::string& why);

    bool enforcing() const { return enforcing_; }
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
        std::string id;
        std::string sha256;
        int64_t expires_unix = 0;
    };
    bool packageAllowed(const mamori::platform::SoftwarePackage& p, std::string* rule) const;
    const std::string* pathPrefix(std::string_view path) const;

    bool enforcing_ = false;
    std::vector<PackagePattern> packages_;
    std::vector<std::string> sha256_;  // sorted
    std::vector<std::string> prefixes_;
    std::vector<const SoftwareCategory*> denied_;
    std::vector<Exemption> exemptions_;
};

}  // namespace mamori::agent
