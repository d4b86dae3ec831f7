#pragma once

namespace mamori::platform {

// The running program itself, as the operating system knows it.
class ThisProgram {
public:
    // Starts this program anew in place of this process, with the same arguments: nothing of
    // the old process's state (threads, locks, sockets, controls) carries over. Returns only if
    // that failed, by throwing std::system_error.
    [[noreturn]] static void restart(char** argv);
};

}  // namespace mamori::platform
