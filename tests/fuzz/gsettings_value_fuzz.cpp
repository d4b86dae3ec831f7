// The output of `gsettings get`, read by the screen-lock settings audit: a program's output,
// with whatever warnings GLib prints around the value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/DesktopLockAudit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)mamori::agent::DesktopLockAudit::parseUint32(text);
    (void)mamori::agent::DesktopLockAudit::parseBool(text);
    return 0;
}
