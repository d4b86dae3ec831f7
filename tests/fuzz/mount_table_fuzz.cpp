// A mount table carries names users choose (FUSE mount points, a stick's label): no input may
// crash the parser, and the choice of mounts to watch must end whatever the parents say.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/linux/MountTable.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto table = mamori::platform::MountTable::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    std::vector<const mamori::platform::MountEntry*> unreachable;
    table.execMountsUnder({"/", "/home"}, &unreachable);
    return 0;
}
