#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace mamori::platform {

// The program a live process runs, as the base name of its argv[0] ("mamori-agent"); nothing
// when no such process exists. Readable for any process, so that `status` works without root.
std::optional<std::string> programOfProcess(uint32_t pid);

}  // namespace mamori::platform
