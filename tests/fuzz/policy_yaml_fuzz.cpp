// Policy profiles arrive from administrators and over the admin API: any byte string must
// give either a policy or errors, never a crash, a hang or an exception.
#include "mamori/policy/PolicyLoader.h"
#include "mamori/policy/PolicySummary.h"
#include "mamori/policy/UsbDeviceId.h"

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
        // What the loader promises about every exception it lets through, whatever the input.
        for (const auto& e : result.policy().exceptions()) {
            if (e.terminal().empty() == e.group().empty()) std::abort();  // exactly one scope
            if (e.expires_unix() <= 0) std::abort();
            if (e.control() == mamori::v1::USB) {
                const auto id = mamori::policy::UsbDeviceId::parse(e.usb_device());
                if (!id || id.id->str() != e.usb_device() || !e.user().empty()) std::abort();
                if (e.usb_action() != mamori::v1::ALLOW && e.usb_action() != mamori::v1::ALLOW_READONLY) std::abort();
            }
            if (e.control() == mamori::v1::SOFTWARE && e.software_sha256().empty() == e.software_path().empty())
                std::abort();
        }
        (void)mamori::policy::PolicySummary::describe(result.policy());
    } else {
        if (result.errors().empty()) std::abort();  // a failed load always says why
        for (const auto& e : result.errors()) (void)e.format();
    }
    return 0;
}
