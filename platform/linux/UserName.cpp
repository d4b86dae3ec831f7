#include "mamori/platform/UserName.h"

#include <pwd.h>

namespace mamori::platform {

std::optional<std::string> userName(uint32_t uid) {
    struct passwd pw;
    struct passwd* found = nullptr;
    std::string buf(16384, '\0');
    if (getpwuid_r(static_cast<uid_t>(uid), &pw, buf.data(), buf.size(), &found) != 0 || !found) return std::nullopt;
    return std::string(pw.pw_name);
}

}  // namespace mamori::platform
