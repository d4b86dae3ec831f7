#include "agent/PolicyKeeper.h"

#include "mamori/policy/PolicyLoader.h"
#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

PolicyKeeper::PolicyKeeper(std::filesystem::path state_dir, std::string terminal_id,
                           std::optional<mamori::proto::Ed25519Key> policy_key)
    : state_dir_(std::move(state_dir)), terminal_id_(std::move(terminal_id)), key_(std::move(policy_key)) {}

std::optional<mamori::v1::Policy> PolicyKeeper::verify(const mamori::v1::SignedPolicy& sp, std::string& why) const {
    if (!key_) {
        why = "no policy key is pinned (the terminal is not enrolled)";
        return std::nullopt;
    }
    if (!key_->verify(sp.envelope(), sp.signature())) {
        why = "the signature does not verify against the pinned policy key";
        return std::nullopt;
    }
    mamori::v1::PolicyEnvelope env;
    if (!env.ParseFromString(sp.envelope())) {
        why = "the signed policy is unreadable";
        return std::nullopt;
    }
    if (env.terminal_id() != terminal_id_) {
        why = "the policy is addressed to terminal '" + env.terminal_id() + "'";
        return std::nullopt;
    }
    return env.policy();
}

PolicyKeeper::Verdict PolicyKeeper::start(const Apply& apply) {
    std::string why;
    if (std::filesystem::exists(file())) {
        mamori::v1::SignedPolicy sp;
        if (sp.ParseFromString(mamori::common::Files::read(file()))) {
            if (auto p = verify(sp, why); p && apply(*p, why)) {
                current_ = *p;
                return Verdict{true, current_.version(), current_.name(), {}};
            }
        } else {
            why = "unreadable";
        }
        Log::error("the last-known-good policy on disk was refused (" + why + "); running the built-in default");
        refused_at_start_ = Verdict{false, 0, "last-known-good", "the last-known-good policy on disk was refused: " + why};
    }
    if (!key_ && !local_profile_.empty()) {
        auto local = mamori::policy::PolicyLoader::loadFile(local_profile_);
        if (local && apply(local.policy(), why)) {
            current_ = std::move(local).policy();
            return Verdict{true, current_.version(), current_.name(), {}};
        }
        const std::string reason = local ? why : local.formatErrors();
        Log::error("the local profile " + local_profile_.string() + " was refused (" + reason +
                   "); running the built-in default");
        refused_at_start_ = Verdict{false, 0, local_profile_.filename().string(), reason};
    }
    current_ = mamori::policy::PolicyLoader::builtInDefault();
    if (!apply(current_, why)) throw std::runtime_error("the built-in default policy does not apply: " + why);
    return Verdict{true, 0, current_.name(), {}};
}

PolicyKeeper::Verdict PolicyKeeper::reloadLocalProfile(const Apply& apply) {
    Verdict v;
    if (key_ || local_profile_.empty()) {
        v.reason = "no local profile is in use";
        return v;
    }
    auto local = mamori::policy::PolicyLoader::loadFile(local_profile_);
    if (!local) {
        v.reason = local.formatErrors();
        return v;
    }
    v.version = local.policy().version();
    v.name = local.policy().name();
    if (!apply(local.policy(), v.reason)) return v;
    current_ = std::move(local).policy();
    v.accepted = true;
    return v;
}

PolicyKeeper::Verdict PolicyKeeper::offer(const mamori::v1::SignedPolicy& sp, const Apply& apply) {
    Verdict v;
    auto p = verify(sp, v.reason);
    if (!p) return v;
    v.version = p->version();
    v.name = p->name();
    if (p->version() <= current_.version()) {
        v.reason = "version " + std::to_string(p->version()) + " is not newer than the applied version " +
                   std::to_string(current_.version());
        return v;
    }
    if (!apply(*p, v.reason)) return v;
    // Saved only once the controls took it, so the file always holds a policy that applies.
    mamori::common::Files::writeAtomic(file(), sp.SerializeAsString(), 0600);
    current_ = std::move(*p);
    v.accepted = true;
    return v;
}

}  // namespace mamori::agent
