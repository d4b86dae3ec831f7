#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace mamori::platform {

// The login name of a user id, as the system's user database (NSS: /etc/passwd, or a directory
// through sssd) knows it; nullopt for an id it does not know. An exception (例外措置) names its
// user by login name, and the kernel tells the agent who runs a program by uid.
std::optional<std::string> userName(uint32_t uid);

}  // namespace mamori::platform
