#pragma once

namespace mamori::platform {

// Where every local X server listens, as /tmp/.X11-unix/X<n>: the folder the display directory
// watches and the only place the agent connects to a display (never the abstract namespace,
// where any user may take a name before the server does).
inline constexpr const char* kX11SocketDir = "/tmp/.X11-unix";

}  // namespace mamori::platform
