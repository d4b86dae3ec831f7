// A backup's keys.sealed as restore reads it: bytes from a disk or tape that may have been
// altered, or be no archive at all. Any bytes must be refused with a UserError that says why, or
// be files exactly as sealed; never a crash, never a file with a path in its name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "collector/SealedArchive.h"
#include "mamori/common/UserError.h"

using mamori::collector::SealedArchive;

namespace {

void check(const std::vector<SealedArchive::File>& files) {
    for (const auto& f : files)
        if (f.name.find('/') != std::string::npos || f.name == ".." || f.mode > 0777) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    // The packed layout directly, where nearly all the parsing is.
    try {
        const auto files = SealedArchive::unpack(bytes);
        check(files);
        if (SealedArchive::pack(files) != bytes) std::abort();  // one way to write each list
    } catch (const mamori::common::UserError&) {
    }
    // And as a whole archive, with the cheapest key cost so each input stays fast; anything else
    // in the cost byte is refused before any key is derived.
    std::string sealed = bytes;
    constexpr size_t kCostAt = 16;
    if (sealed.size() > kCostAt && static_cast<unsigned char>(sealed[kCostAt]) > SealedArchive::kMinCost)
        sealed[kCostAt] = static_cast<char>(SealedArchive::kMinCost);
    try {
        check(SealedArchive::open(sealed, "fuzz passphrase"));
    } catch (const mamori::common::UserError&) {
    }
    return 0;
}
