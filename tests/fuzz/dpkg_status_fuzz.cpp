// dpkg's status file is written by whatever installs packages on the terminal, so any byte
// string must parse to packages (or skipped stanzas) without a crash or a hang; and every
// version it yields must order consistently, since allowlist constraints compare them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "agent/DpkgVersion.h"
#include "agent/VersionConstraint.h"
#include "mamori/platform/DpkgStatus.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using mamori::agent::DpkgVersion;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = mamori::platform::DpkgStatus::parse(text);
    const DpkgVersion* previous = nullptr;
    std::optional<DpkgVersion> prev_storage;
    for (const auto& p : parsed.installed) {
        if (p.name.empty() || p.version.empty()) std::abort();
        auto v = DpkgVersion::parse(p.version);
        if (!v) continue;
        if (DpkgVersion::compare(*v, *v) != 0) std::abort();
        // Round trip: what str() prints parses back to an equal version.
        auto again = DpkgVersion::parse(v->str());
        if (!again || DpkgVersion::compare(*v, *again) != 0) std::abort();
        if (previous) {
            const int ab = DpkgVersion::compare(*v, *previous), ba = DpkgVersion::compare(*previous, *v);
            if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0)) std::abort();
        }
        if (auto c = mamori::agent::VersionConstraint::parse(">= " + v->str())) {
            if (!c->satisfiedBy(*v)) std::abort();
        }
        prev_storage = std::move(v);
        previous = &*prev_storage;
    }
    return 0;
}
