#pragma once
#include <cstdint>
#include <string>

namespace mamori::platform {

// Names the calling thread as `top -H`, `ps -T` and debuggers show it, so that each of the
// agent's threads says what it is for. Linux keeps the first 15 bytes.
void nameThisThread(const char* name);

// This process's id, as the status file reports it to `mamori-agent status`.
uint32_t processId();

// The machine's name, as events report it.
std::string hostName();

// Whether a program of this name can be run from the directories of PATH.
bool programOnPath(const char* program);

// Starts this program anew in place of this process, with the same arguments: nothing of the
// old process's state (threads, locks, sockets, controls) carries over. Returns only if that
// failed, by throwing std::system_error.
[[noreturn]] void restartThisProgram(char** argv);

}  // namespace mamori::platform
