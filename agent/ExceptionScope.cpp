#include "agent/ExceptionScope.h"

#include "mamori/common/Log.h"

namespace mamori::agent {

namespace v1 = mamori::v1;

ExceptionScope::ExceptionScope(std::string terminal_id, std::string group)
    : terminal_id_(std::move(terminal_id)), group_(std::move(group)) {}

ExceptionScope::ExceptionScope(std::string terminal_id, const v1::Policy& policy)
    : ExceptionScope(std::move(terminal_id), policy.group()) {}

ExceptionScope::Verdict ExceptionScope::judge(const v1::PolicyException& e, int64_t now_unix,
                                              const std::optional<std::string_view>& user) const {
    if (e.terminal().empty() && e.group().empty()) return Verdict::Unscoped;
    // Both named (the loader refuses that, the wire does not): both must be this terminal's.
    // An empty id or group of our own never matches, since an exception's are never empty here.
    if (!e.terminal().empty() && e.terminal() != terminal_id_) return Verdict::OtherTerminal;
    if (!e.group().empty() && e.group() != group_) return Verdict::OtherGroup;
    if (e.expires_unix() <= 0 || now_unix >= e.expires_unix()) return Verdict::Expired;
    if (!e.user().empty()) {
        if (!user) return Verdict::UserUnknown;
        if (*user != e.user()) return Verdict::OtherUser;
    }
    return Verdict::Applies;
}

bool ExceptionScope::addressedHere(const v1::PolicyException& e) const {
    const auto v = judge(e, 0, std::nullopt);
    return v != Verdict::Unscoped && v != Verdict::OtherTerminal && v != Verdict::OtherGroup;
}

std::vector<std::string> ExceptionScope::ignored(const v1::Policy& policy) const {
    std::vector<std::string> out;
    const std::string here = "terminal " + terminal_id_ + (group_.empty() ? std::string(", no group") : ", group " + group_);
    for (const auto& e : policy.exceptions()) {
        switch (judge(e, 0, std::nullopt)) {
            case Verdict::OtherTerminal:
                out.push_back("exception " + e.id() + " is for terminal " + e.terminal() + ", not this one (" + here +
                              "): ignored / 例外措置 " + e.id() + " は端末 " + e.terminal() +
                              " 向けのため、この端末では適用しません");
                break;
            case Verdict::OtherGroup:
                out.push_back("exception " + e.id() + " is for group " + e.group() + ", not this terminal's (" + here +
                              "): ignored / 例外措置 " + e.id() + " は所属 " + e.group() +
                              " 向けのため、この端末では適用しません");
                break;
            case Verdict::Unscoped:
                out.push_back("exception " + e.id() + " names neither a terminal nor a group: ignored / 例外措置 " + e.id() +
                              " は対象（端末または所属）がないため適用しません");
                break;
            default:
                // UsbRules asks with no user: a stick is decided whoever is logged on.
                if (e.control() == v1::USB && !e.user().empty())
                    out.push_back("exception " + e.id() + " for usb is limited to user " + e.user() +
                                  ", which a device decision cannot know: ignored / 例外措置 " + e.id() +
                                  " は利用者 " + e.user() + " に限定されていますが、USB 機器の判定では利用者を特定できないため適用しません");
                break;
        }
    }
    return out;
}

void ExceptionScope::logIgnored(const v1::Policy& policy) const {
    for (const auto& line : ignored(policy)) Log::warn(line);
}

}  // namespace mamori::agent
