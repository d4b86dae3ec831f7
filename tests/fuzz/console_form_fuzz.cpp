// The console's parsers of what a browser sends: a form or a query (FormData), a Cookie header.
// Any input either parses or is refused with a UserError; nothing else may escape or crash.
#include <cstdint>
#include <string_view>

#include "collector/console/ConsoleSessions.h"
#include "collector/console/FormData.h"
#include "mamori/common/UserError.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    try {
        const auto form = mamori::collector::FormData::parse(input);
        (void)form.text("csrf");
    } catch (const mamori::common::UserError&) {
    }
    try {
        (void)mamori::collector::FormData::ofTarget(input);
    } catch (const mamori::common::UserError&) {
    }
    (void)mamori::collector::ConsoleSessions::cookie(input, "mamori_session");
    return 0;
}
