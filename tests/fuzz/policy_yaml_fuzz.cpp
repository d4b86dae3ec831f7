// Policy profiles arrive from administrators and over the admin API: any byte string must
// give either a policy or errors, never a crash, a hang or an exception.
#include "mamori/policy/PolicyLoader.h"
#include "mamori/policy/PolicySummary.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using mamori::policy::PolicyLoader;
    PolicyLoader::Options options;
    // closed_days_csv would otherwise read whatever path the input names; the CSV parser
    // has its own target (holiday_csv).
    options.allow_file_reads = false;
    const auto result = PolicyLoader::load(std::string_view(reinterpret_cast<const char*>(data), size),
                                           "fuzz.yaml", options);
    if (result.ok()) {
        if (!result.errors().empty()) std::abort();
        (void)mamori::policy::PolicySummary::describe(result.policy());
    } else {
        if (result.errors().empty()) std::abort();  // a failed load always says why
        for (const auto& e : result.errors()) (void)e.format();
    }
    return 0;
}
