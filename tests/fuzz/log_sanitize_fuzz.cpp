// Whatever a client sends ends up in a log message: sanitize() must turn any bytes into one
// printable line of valid UTF-8 (nothing left to escape a second time), within its bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mamori/common/Log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const std::string out = mamori::Log::sanitize(in, 256);
    for (unsigned char c : out)
        if (c < 0x20 || c == 0x7f) std::abort();
    if (out.size() > 256 + 64) std::abort();
    if (mamori::Log::sanitize(out, out.size()) != out) std::abort();
    return 0;
}
