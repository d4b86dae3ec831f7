#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace mamori::platform {

// The fields of /proc/PID/stat the exec control uses: "pid (comm) state ppid pgrp session ...".
// The command name is the process's own choice (prctl) and may hold anything, ") " and digits
// included; the kernel's closing parenthesis is the last one on the line.
struct ProcStatLine {
    uint32_t ppid = 0;
    uint32_t session = 0;

    // Nothing for a line that does not read so. Parsed by hand, not with sscanf: this runs at
    // every exec on the machine, and the scanf engine is code the resident agent would otherwise
    // fault in for it.
    static std::optional<ProcStatLine> parse(std::string_view line);
};

}  // namespace mamori::platform
