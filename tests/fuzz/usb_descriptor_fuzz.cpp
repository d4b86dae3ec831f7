// USB descriptors come from the device, i.e. from whoever built it: no input may crash the
// parser or make it claim more interfaces than the bytes could hold.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "platform/linux/UsbDescriptorParser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto d = mamori::platform::UsbDescriptorParser::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    if (d && d->interfaces.size() * 9 + 18 > size) std::abort();
    return 0;
}
