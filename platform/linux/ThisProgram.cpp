#include "mamori/platform/ThisProgram.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace mamori::platform {

void ThisProgram::restart(char** argv) {
    // /proc/self/exe: the same binary even if its path was replaced by an upgrade meanwhile.
    ::execv("/proc/self/exe", argv);
    throw std::system_error(errno, std::generic_category(), "cannot restart /proc/self/exe");
}

}  // namespace mamori::platform
