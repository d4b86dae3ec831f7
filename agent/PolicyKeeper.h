#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "mamori/proto/Ed25519Key.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::agent {

// Holds the policy in force. A policy from the collector is accepted only when it is signed by
// the policy key pinned at enrollment, addressed to this terminal, newer than the one applied,
// and the controls take it; then it is kept on disk as the last-known-good. Anything else leaves
// the policy in force untouched. Before any policy arrives, the built-in secure default rules.
class PolicyKeeper {
public:
    // apply: hands a candidate to the controls; false (with a reason) refuses it.
    using Apply = std::function<bool(const mamori::v1::Policy&, std::string& why)>;

    struct Verdict {
        bool accepted = false;
        uint64_t version = 0;
        std::string name;
        std::string reason;  // why it was refused
    };

    PolicyKeeper(std::filesystem::path state_dir, std::string terminal_id,
                 std::optional<mamori::proto::Ed25519Key> policy_key);

    // Standalone (offline) terminals: while not enrolled, this YAML profile is in force instead
    // of the built-in default. An enrolled terminal takes only signed policy, so it is ignored.
    void useLocalProfile(std::filesystem::path profile) { local_profile_ = std::move(profile); }

    // Loads the last-known-good (verified again: the file may have been altered) or the default.
    // The returned verdict describes what is now in force.
    Verdict start(const Apply& apply);
    // What start() had to refuse before it fell back (an altered last-known-good, a broken local
    // profile): evidence in its own right, so the agent records it as POLICY_REJECTED.
    const std::optional<Verdict>& refusedAtStart() const { return refused_at_start_; }
    Verdict offer(const mamori::v1::SignedPolicy& signed_policy, const Apply& apply);
    // The local profile was edited: applied when it loads and the controls take it; a profile
    // with errors is refused with file:line:column and the policy in force stays.
    Verdict reloadLocalProfile(const Apply& apply);

    const mamori::v1::Policy& current() const { return current_; }
    uint64_t version() const { return current_.version(); }

private:
    std::optional<mamori::v1::Policy> verify(const mamori::v1::SignedPolicy& sp, std::string& why) const;
    std::filesystem::path file() const { return state_dir_ / "policy.signed"; }

    std::filesystem::path state_dir_;
    std::string terminal_id_;
    std::optional<mamori::proto::Ed25519Key> key_;
    mamori::v1::Policy current_;
    std::filesystem::path local_profile_;
    std::optional<Verdict> refused_at_start_;
};

}  // namespace mamori::agent
