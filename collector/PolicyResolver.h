#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collector/Store.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

// What a terminal must enforce: its group's policy plus the exceptions that apply to it. One
// rule, used both to deliver policies at sync and to tell administrators which terminals are
// behind, so the two can never disagree. Caches policies per group for its own lifetime (one
// request), so listing thousands of terminals costs one policy lookup per group.
class PolicyResolver {
public:
    PolicyResolver(PolicyStore& policies, ExceptionStore& exceptions) : policies_(policies), exceptions_(exceptions) {}
    explicit PolicyResolver(Store& store) : PolicyResolver(store, store) {}

    // The group every terminal follows when its own has no policy.
    static constexpr const char* kDefaultGroup = "all";

    struct Delivery {
        std::string terminal, group;  // whom it is for
        PolicyRecord policy;
        std::vector<ExceptionRecord> exceptions;  // active, unexpired, in scope
        // max(policy version, exception versions, the terminal's re-issue version): all come
        // from one counter, so a new grant or a move to another group makes the delivered policy
        // newer than what the terminal applied, and an agent that only accepts newer versions
        // takes it, even when the new group's policy is older than the one it ran.
        uint64_t version = 0;
    };

    // The latest policy pushed to the group; a group without one follows group "all".
    std::optional<PolicyRecord> forGroup(const std::string& group);

    // Nothing until some policy applies to the terminal.
    std::optional<Delivery> forTerminal(const TerminalRecord& terminal, int64_t now_unix);

    // The policy message to sign: the stored policy with only the exceptions of its profile that
    // name this terminal or its group, the granted exceptions appended, the version and the
    // terminal's group set.
    static mamori::v1::Policy compose(const Delivery& d);

private:
    PolicyStore& policies_;
    ExceptionStore& exceptions_;
    std::map<std::string, std::optional<PolicyRecord>> by_group_;
};

}  // namespace mamori::collector
