#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mamori/v1/policy.pb.h"

namespace mamori::agent {

// Whether an exception (例外措置) applies here, now, to this user: the one place the agent
// decides it, for every control.
//
// The collector sends each terminal only the exceptions that apply to it; the agent checks again,
// so that a collector's mistake, or a profile carrying an exception for 税務課 pushed to every
// section, relaxes nothing where it was not approved (004:1110-1120). An exception applies when
//  - every scope it names is this terminal's: its terminal is this terminal's own id, its group
//    the group the collector signed into this terminal's policy (Policy.group); one naming
//    neither applies nowhere;
//  - it has not expired by the agent's clock (an exception without an expiry never applies:
//    an expiry is mandatory, so one without is malformed);
//  - it names no user, or names the user the control is deciding for. A control that cannot
//    tell the user (USB: a stick is decided when it is plugged in, whoever is logged on) asks
//    with no user, and a user-scoped exception then does not apply.
class ExceptionScope {
public:
    enum class Verdict { Applies, OtherTerminal, OtherGroup, Unscoped, Expired, OtherUser, UserUnknown };

    ExceptionScope() = default;
    // terminal_id: this terminal's own id (its enrollment identity); group: Policy.group.
    ExceptionScope(std::string terminal_id, std::string group);
    // This terminal, and the group the policy was signed for.
    ExceptionScope(std::string terminal_id, const mamori::v1::Policy& policy);

    const std::string& terminalId() const { return terminal_id_; }
    const std::string& group() const { return group_; }

    // user: the user whose logon or program is decided; nullopt when the control cannot know.
    Verdict judge(const mamori::v1::PolicyException& e, int64_t now_unix,
                  const std::optional<std::string_view>& user) const;
    bool applies(const mamori::v1::PolicyException& e, int64_t now_unix,
                 const std::optional<std::string_view>& user) const {
        return judge(e, now_unix, user) == Verdict::Applies;
    }
    // Addressed to this terminal (by its id and/or its group), whatever the time and the user.
    bool addressedHere(const mamori::v1::PolicyException& e) const;

    // One line for each exception addressed to another terminal or group, or to none, or to a
    // user on USB, saying which and why it is ignored; empty when none is.
    std::vector<std::string> ignored(const mamori::v1::Policy& policy) const;
    // Logs ignored(): the agent calls it once for each policy it applies, not at each decision.
    void logIgnored(const mamori::v1::Policy& policy) const;

private:
    std::string terminal_id_;
    std::string group_;
};

}  // namespace mamori::agent
