#include "agent/UserNotice.h"

namespace mamori::agent {

namespace {
constexpr int64_t kRepeatNs = 60'000'000'000;
constexpr size_t kRemembered = 256;  // distinct notices remembered for the once-a-minute rule
}  // namespace

UserNotice::UserNotice(std::unique_ptr<mamori::platform::CommandRunner> commands, const std::string& notify_command,
                       Sessions sessions, const mamori::platform::Clock& clock)
    : commands_(std::move(commands)),
      notification_(*commands_, notify_command),
      sessions_(std::move(sessions)),
      clock_(clock) {}

std::string UserNotice::withHelpdesk(const std::string& body) const {
    return DesktopNotification::withContact(body, helpdesk_);
}

int UserNotice::tell(const std::string& user, const std::string& summary, const std::string& body) {
    const int64_t now = clock_.monotonicNs();
    const std::string key = user + '\n' + summary + '\n' + body;
    if (auto it = last_told_ns_.find(key); it != last_told_ns_.end() && now - it->second < kRepeatNs) return 0;
    if (last_told_ns_.size() >= kRemembered) last_told_ns_.clear();
    last_told_ns_[key] = now;
    int told = 0;
    for (const auto& s : sessions_())
        if ((user.empty() || s.user == user) && notification_.show(s, summary, withHelpdesk(body))) ++told;
    return told;
}

}  // namespace mamori::agent
