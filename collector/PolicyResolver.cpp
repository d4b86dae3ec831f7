#include "collector/PolicyResolver.h"

#include <algorithm>
#include <stdexcept>

namespace mamori::collector {

std::optional<PolicyRecord> PolicyResolver::forGroup(const std::string& group) {
    auto it = by_group_.find(group);
    if (it != by_group_.end()) return it->second;
    auto policy = policies_.latestPolicy(group);
    if (!policy) policy = policies_.latestPolicy(kDefaultGroup);
    return by_group_.emplace(group, std::move(policy)).first->second;
}

std::optional<PolicyResolver::Delivery> PolicyResolver::forTerminal(const TerminalRecord& terminal,
                                                                     int64_t now_unix) {
    auto policy = forGroup(terminal.group);
    if (!policy) return std::nullopt;
    Delivery d;
    d.policy = std::move(*policy);
    d.terminal = terminal.id;
    d.group = terminal.group;
    d.version = std::max(d.policy.version, terminal.policy_reissue_version);
    // A revocation takes a version of its own so that the policy without the exception is newer
    // than the one with it; only the active ones are delivered.
    for (auto& e : exceptions_.exceptionsFor(terminal.id, terminal.group, now_unix)) {
        d.version = std::max(d.version, e.version);
        if (e.state == "active") d.exceptions.push_back(std::move(e));
    }
    return d;
}

mamori::v1::Policy PolicyResolver::compose(const Delivery& d) {
    mamori::v1::Policy policy;
    if (!policy.ParseFromString(d.policy.policy))
        throw std::runtime_error("stored policy " + std::to_string(d.policy.version) + " is unreadable");
    // A profile may carry exceptions for some of the terminals it goes to: each terminal gets
    // only those naming it or its group. One without a scope (a profile stored before scopes were
    // required) names nobody.
    auto* listed = policy.mutable_exceptions();
    listed->erase(std::remove_if(listed->begin(), listed->end(),
                                 [&](const mamori::v1::PolicyException& e) {
                                     return !(!e.terminal().empty() && e.terminal() == d.terminal) &&
                                            !(!e.group().empty() && e.group() == d.group);
                                 }),
                  listed->end());
    for (const auto& e : d.exceptions) {
        if (!policy.add_exceptions()->ParseFromString(e.exception))
            throw std::runtime_error("stored exception " + e.id + " is unreadable");
    }
    policy.set_version(d.version);
    policy.set_group(d.group);
    return policy;
}

}  // namespace mamori::collector
