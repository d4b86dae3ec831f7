// /proc/PID/stat, whose command name any process chooses: the parser answers whatever it is given,
// without a crash, and never reads past it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/linux/ProcStatLine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)mamori::platform::ProcStatLine::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
