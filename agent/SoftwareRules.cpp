#include "agent/SoftwareRules.h"

#include <algorithm>
#include <cctype>

#include "agent/Glob.h"

namespace mamori::agent {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

bool isSha256(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

ExecDecision allowed(std::string rule) { return {ExecDecision::Kind::Allowed, std::move(rule), {}, false, 0}; }
ExecDecision denied(std::string rule, std::string category = {}) {
    return {ExecDecision::Kind::Denied, std::move(rule), std::move(category), false, 0};
}

}  // namespace

SoftwareRules::SoftwareRules(const mamori::v1::SoftwarePolicy& policy,
                             const google::protobuf::RepeatedPtrField<mamori::v1::PolicyException>& exceptions,
                             ExceptionScope scope)
    : enforcing_(policy.mode() == mamori::v1::ENFORCE), scope_(std::move(scope)) {
    for (const auto& r : policy.allowed_packages()) {
        PackagePattern p{r.name(), std::nullopt};
        if (!r.version().empty()) {
            p.version = VersionConstraint::parse(r.version());
            if (!p.version) continue;  // validate() refuses such a policy; never widen on a bad one
        }
        packages_.push_back(std::move(p));
    }
    for (const auto& h : policy.allowed_sha256()) sha256_.push_back(lower(h));
    std::sort(sha256_.begin(), sha256_.end());
    for (std::string p : policy.allowed_path_prefixes()) {
        if (p.empty() || p == "/") continue;
        if (p.back() != '/') p += '/';  // a prefix is a directory: /opt/juki must not admit /opt/juki-evil
        prefixes_.push_back(std::move(p));
    }
    for (const auto& c : policy.denied_categories()) {
        if (const auto* cat = SoftwareCategory::find(c)) denied_.push_back(cat);
    }
    for (const auto& e : exceptions) {
        if (e.control() != mamori::v1::SOFTWARE || !scope_.addressedHere(e)) continue;
        const bool by_sha = isSha256(e.software_sha256());
        const bool by_path = !by_sha && e.software_path().size() > 1 && e.software_path().front() == '/' &&
                             e.software_path().back() != '/';
        if (!by_sha && !by_path) continue;
        exemptions_.push_back({e, by_sha ? lower(e.software_sha256()) : std::string()});
        user_scoped_ = user_scoped_ || !e.user().empty();
        sha256_exemptions_ = sha256_exemptions_ || by_sha;
    }
}

bool SoftwareRules::validate(const mamori::v1::SoftwarePolicy& policy, std::string& why) {
    for (const auto& r : policy.allowed_packages()) {
        if (r.name().empty()) {
            why = "an allowed package has no name";
            return false;
        }
        if (!r.version().empty() && !VersionConstraint::parse(r.version())) {
            why = "allowed package " + r.name() + ": \"" + r.version() + "\" is not a Debian version constraint";
            return false;
        }
    }
    for (const auto& h : policy.allowed_sha256()) {
        if (!isSha256(h)) {
            why = "\"" + h + "\" is not a SHA-256 hash";
            return false;
        }
    }
    for (const auto& p : policy.allowed_path_prefixes()) {
        if (p.empty() || p.front() != '/') {
            why = "allowed path prefix \"" + p + "\" is not an absolute path";
            return false;
        }
    }
    for (const auto& c : policy.denied_categories()) {
        if (!SoftwareCategory::find(c)) {
            why = "\"" + c + "\" is not a built-in software category";
            return false;
        }
    }
    for (const auto& m : policy.watch_mounts()) {
        if (m.empty() || m.front() != '/') {
            why = "watch mount \"" + m + "\" is not an absolute path";
            return false;
        }
    }
    return true;
}

const SoftwareCategory* SoftwareRules::categoryOf(const mamori::platform::SoftwarePackage* owner,
                                                  std::string_view path) const {
    const auto slash = path.rfind('/');
    const std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
    for (const auto* c : denied_) {
        if (owner && c->matchesPackage(owner->name)) return c;
        if (c->matchesProgram(file)) return c;
    }
    return nullptr;
}

bool SoftwareRules::packageAllowed(const mamori::platform::SoftwarePackage& p, std::string* rule) const {
    for (const auto& pat : packages_) {
        // "libc6:amd64" names one architecture; a plain pattern matches the bare name.
        const bool qualified = pat.glob.find(':') != std::string::npos;
        const std::string subject = qualified ? p.name + ":" + p.architecture : p.name;
        if (!Glob::match(pat.glob, subject)) continue;
        if (pat.version && !pat.version->satisfiedBy(p.version)) continue;
        if (rule) *rule = "allowed_packages:" + pat.glob + (pat.version ? " " + pat.version->str() : "");
        return true;
    }
    return false;
}

PackageVerdict SoftwareRules::package(const mamori::platform::SoftwarePackage& p) const {
    for (const auto* c : denied_) {
        if (c->matchesPackage(p.name)) return {false, "category:" + std::string(c->name()), std::string(c->name())};
    }
    PackageVerdict v;
    v.approved = packageAllowed(p, &v.rule);
    if (!v.approved) v.rule = "not-approved";
    return v;
}

const std::string* SoftwareRules::pathPrefix(std::string_view path) const {
    for (const auto& p : prefixes_) {
        if (path.starts_with(p)) return &p;
    }
    return nullptr;
}

const SoftwareRules::Exemption* SoftwareRules::exemption(const ExecFacts& f, bool by_sha256) const {
    if (by_sha256 && !f.digests) return nullptr;
    const std::optional<std::string_view> user = f.user ? std::optional<std::string_view>(*f.user) : std::nullopt;
    for (const auto& e : exemptions_) {
        const bool same = by_sha256 ? !e.sha256.empty() && e.sha256 == f.digests->sha256
                                    : e.sha256.empty() && f.path_trusted && e.exception.software_path() == f.path;
        if (same && scope_.applies(e.exception, f.now_unix, user)) return &e;
    }
    return nullptr;
}

ExecDecision SoftwareRules::exempted(const Exemption& e) {
    // The event names the exception, so the collector can show which approval let it run.
    ExecDecision d = allowed("exception:" + e.exception.id());
    d.exempted = true;
    d.valid_until_unix = e.exception.expires_unix();
    return d;
}

ExecDecision SoftwareRules::exec(const ExecFacts& f) const {
    const SoftwareCategory* category = categoryOf(f.owner, f.path);
    const std::string* prefix = f.path_trusted ? pathPrefix(f.path) : nullptr;
    std::string package_rule;
    const bool owner_allowed = f.owner && packageAllowed(*f.owner, &package_rule);
    const bool content_rules = !sha256_.empty() || sha256_exemptions_;

    if (!f.digests) {
        // Decide without reading the file where nothing that could be read would change it.
        if (!category && prefix) return allowed("path:" + *prefix);
        if (!category && owner_allowed) return {ExecDecision::Kind::NeedsDigests, {}, {}, false, 0};
        if (content_rules) return {ExecDecision::Kind::NeedsDigests, {}, {}, false, 0};
    } else {
        const std::string& sha = f.digests->sha256;
        if (std::binary_search(sha256_.begin(), sha256_.end(), sha)) return allowed("allowed_sha256");
        if (const Exemption* e = exemption(f, true)) return exempted(*e);
    }
    if (category) return denied("category:" + std::string(category->name()), std::string(category->name()));
    if (prefix) return allowed("path:" + *prefix);
    if (owner_allowed) {
        // A packaged program without a recorded checksum cannot be shown to be unmodified.
        if (!f.packaged_md5) return denied("unverifiable:" + f.owner->name);
        if (*f.packaged_md5 == f.digests->md5) return allowed("package:" + f.owner->name);
        return denied("modified:" + f.owner->name);
    }
    if (const Exemption* e = exemption(f, false)) return exempted(*e);
    if (f.owner) return denied("package-not-approved:" + f.owner->name);
    return denied("not-approved");
}

}  // namespace mamori::agent
