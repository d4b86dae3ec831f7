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
    d.exceptions = exceptions_.exceptionsFor(terminal.id, terminal.group, now_unix);
    d.version = std::max(d.policy.version, terminal.policy_reissue_version);
    for (const auto& e : d.exceptions) d.version = std::max(d.version, e.version);
    return d;
}

mamori::v1::Policy PolicyResolver::compose(const Delivery& d) {
    mamori::v1::Policy policy;
    if (!policy.ParseFromString(d.policy.policy))
        throw std::runtime_error("stored policy " + std::to_string(d.policy.version) + " is unreadable");
    for (const auto& e : d.exceptions) {
        if (!policy.add_exceptions()->ParseFromString(e.exception))
            throw std::runtime_error("stored exception " + e.id + " is unreadable");
    }
    policy.set_version(d.version);
    return policy;
}

}  // namespace mamori::collector
