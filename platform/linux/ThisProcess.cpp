#include "mamori/platform/ThisProcess.h"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace mamori::platform {

void nameThisThread(const char* name) {
    // The kernel refuses a name of 16 bytes or more (ERANGE) rather than cutting it.
    const std::string cut = std::string(name).substr(0, 15);
    pthread_setname_np(pthread_self(), cut.c_str());
}

uint32_t processId() { return static_cast<uint32_t>(::getpid()); }

std::string hostName() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return host;
}

bool programOnPath(const char* program) {
    const char* path = std::getenv("PATH");
    std::string_view rest = path ? path : "/usr/bin:/bin";
    while (!rest.empty()) {
        auto colon = rest.find(':');
        std::filesystem::path dir(std::string(rest.substr(0, colon)));
        if (::access((dir / program).c_str(), X_OK) == 0) return true;
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
    return false;
}

void restartThisProgram(char** argv) {
    // /proc/self/exe: the same binary even if its path was replaced by an upgrade meanwhile.
    ::execv("/proc/self/exe", argv);
    throw std::system_error(errno, std::generic_category(), "cannot restart /proc/self/exe");
}

}  // namespace mamori::platform
