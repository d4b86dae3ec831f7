#include "mamori/platform/UserDesktop.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mamori::platform {

std::optional<UserDesktop> userDesktop(const Session& session) {
    struct passwd pw;
    struct passwd* found = nullptr;
    std::string buf(16384, '\0');
    if (getpwnam_r(session.user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) return std::nullopt;
    UserDesktop d;
    d.user = session.user;
    d.home = pw.pw_dir;
    d.display = session.display();
    const uid_t me = ::geteuid();
    if (me != pw.pw_uid) {
        if (me != 0) return std::nullopt;
        // setpriv rather than runuser or su: no PAM session is opened (and logged) for a helper.
        d.run_as = {"setpriv", "--reuid=" + std::to_string(pw.pw_uid), "--regid=" + std::to_string(pw.pw_gid),
                    "--init-groups", "--"};
    }
    // The agent's own XDG_CONFIG_HOME must not leak in: dconf reads the user's settings there.
    d.env = {"HOME=" + std::string(pw.pw_dir), "USER=" + session.user, "LOGNAME=" + session.user,
             "XDG_CONFIG_HOME=" + std::string(pw.pw_dir) + "/.config"};
    // The user's bus where the session has one: systemd --user's socket in the runtime folder.
    const std::string runtime = "/run/user/" + std::to_string(pw.pw_uid);
    struct stat st;
    if (::stat(runtime.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) d.env.push_back("XDG_RUNTIME_DIR=" + runtime);
    if (::stat((runtime + "/bus").c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
        d.env.push_back("DBUS_SESSION_BUS_ADDRESS=unix:path=" + runtime + "/bus");
        d.session_bus = true;
    }
    if (!d.display.empty()) d.env.push_back("DISPLAY=" + d.display);
    return d;
}

}  // namespace mamori::platform
