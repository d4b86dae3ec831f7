#include "agent/DesktopNotification.h"

#include "mamori/platform/UserDesktop.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

DesktopNotification::DesktopNotification(mamori::platform::CommandRunner& runner, std::string command)
    : runner_(runner), command_(std::move(command)) {}

bool DesktopNotification::show(const mamori::platform::Session& session, const std::string& summary,
                               const std::string& body) {
    if (command_.empty()) return false;
    auto desktop = mamori::platform::userDesktop(session);
    // Without a display or a session bus there is no notification server to reach.
    if (!desktop || (desktop->display.empty() && !desktop->session_bus)) return false;
    // Critical: the notification stays on screen until the user dismisses it.
    auto argv = desktop->command({command_, "--urgency=critical", "--app-name=mamori", summary, body});
    std::string who = session.user + " on " + session.line;
    runner_.run(std::move(argv), desktop->env, [who](const auto& r) {
        if (r.exit_code != 0)
            Log::warn("notice: the desktop notification for " + who + " could not be shown (exit " +
                      std::to_string(r.exit_code) + (r.output.empty() ? "" : ": " + r.output) + ")");
    });
    return true;
}

std::string DesktopNotification::withContact(const std::string& body, const std::string& helpdesk) {
    return helpdesk.empty() ? body : body + "\n問い合わせ先 / Contact: " + helpdesk;
}

}  // namespace mamori::agent
