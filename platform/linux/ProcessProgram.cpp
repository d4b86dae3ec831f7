#include "mamori/platform/ProcessProgram.h"

#include <fstream>

namespace mamori::platform {

std::optional<std::string> programOfProcess(uint32_t pid) {
    if (pid == 0) return std::nullopt;
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string argv0;
    if (!in || !std::getline(in, argv0, '\0') || argv0.empty()) return std::nullopt;  // gone, or a zombie
    return argv0.substr(argv0.rfind('/') + 1);
}

}  // namespace mamori::platform
