// The policy_base64 of POST /admin/v1/policies, as an administrator's script may send it: any text
// either decodes to a policy that comes back the same through encode() and decode(), or is refused
// with a UserError; nothing else is thrown, and nothing crashes.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "collector/PolicyUpload.h"
#include "mamori/common/UserError.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
    (void)quiet;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto policy = mamori::collector::PolicyUpload::decode(text);
        // Accepted text is base64 through to its end: nothing of it was left unread.
        if (mamori::collector::PolicyUpload::decode(mamori::collector::PolicyUpload::encode(policy)).SerializeAsString() !=
            policy.SerializeAsString())
            std::abort();
    } catch (const mamori::common::UserError&) {
    }
    return 0;
}
