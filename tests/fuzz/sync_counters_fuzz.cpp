// A SYNC counter list comes from whatever listens on a display's socket, and any local user can
// put a listener there: no input may crash the parser or read past the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/linux/SyncSystemCounters.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    // The first byte is the entry count the reply claims (often more than the body holds).
    std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    mamori::platform::SyncSystemCounters::find(body, data[0], "IDLETIME");
    return 0;
}
