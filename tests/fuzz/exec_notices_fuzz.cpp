// The process connector's datagrams: the agent checks them as outside input, so no bytes may
// crash the parser or make it read past the datagram.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/linux/ExecNotices.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    size_t malformed = 0;
    mamori::platform::ExecNotices::parse(std::string_view(reinterpret_cast<const char*>(data), size), &malformed);
    return 0;
}
