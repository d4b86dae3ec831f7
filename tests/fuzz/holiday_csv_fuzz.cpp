// The Cabinet Office CSV is downloaded and edited by hand (Excel, Notepad) before import:
// any bytes, in any encoding, must parse or fail with errors, never crash.
#include "mamori/policy/HolidayCsv.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using mamori::policy::HolidayCsv;
    const auto result = HolidayCsv::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.csv");
    if (result.ok() == result.entries.empty()) std::abort();  // entries exactly when no errors
    for (const auto& entry : result.entries) {
        if (entry.date.size() != 10 || entry.name.empty()) std::abort();
    }
    return 0;
}
